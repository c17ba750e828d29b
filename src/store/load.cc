// SPDX-License-Identifier: Apache-2.0
// `strata load`: Docker archives (manifest.json) and OCI image-layout archives
// (index.json + oci-layout), read in one pass. Members that look like layers (tar, gzip
// or zstd magic) are copied, hashed and unpacked as they stream by; small JSON members
// stay in memory. Only then are the manifests read and every digest checked against them.
#include <archive_entry.h>

#include <cstring>
#include <map>
#include <set>

#include "archive/tar.h"
#include "archive/tar_io.h"
#include "oci/media_types.h"
#include "store/image_io.h"
#include "util/log.h"
#include "util/strings.h"

namespace strata::store {

namespace {

constexpr size_t kMaxJsonBytes = 16 << 20;       // one member kept in memory
constexpr size_t kMaxTotalJsonBytes = 64 << 20;  // all of them
constexpr size_t kPeekBytes = 512;

// Yields `prefix`, then the rest of `src`.
class PrefixReader : public archive::Reader {
 public:
  PrefixReader(std::string prefix, archive::Reader& src) : prefix_(std::move(prefix)), src_(src) {}
  Result<size_t> read(std::span<uint8_t> buf) override {
    if (pos_ < prefix_.size()) {
      size_t n = std::min(buf.size(), prefix_.size() - pos_);
      std::memcpy(buf.data(), prefix_.data() + pos_, n);
      pos_ += n;
      return n;
    }
    return src_.read(buf);
  }

 private:
  std::string prefix_;
  size_t pos_ = 0;
  archive::Reader& src_;
};

// Remembers an error of the archive stream itself, so that it is not mistaken for a
// problem with the member being read (a truncated archive is fatal, a bad member is not).
class SourceGuard : public archive::Reader {
 public:
  explicit SourceGuard(archive::Reader& src) : src_(src) {}
  Result<size_t> read(std::span<uint8_t> buf) override {
    auto n = src_.read(buf);
    if (!n.ok()) failed_ = n.error();
    return n;
  }
  const std::optional<Error>& failed() const { return failed_; }

 private:
  archive::Reader& src_;
  std::optional<Error> failed_;
};

bool looks_like_layer(std::string_view head) {
  auto bytes = std::span(reinterpret_cast<const uint8_t*>(head.data()), head.size());
  if (archive::detect_compression(bytes) != archive::Compression::kNone) return true;
  return head.size() >= 262 && head.substr(257, 5) == "ustar";
}

struct Member {
  std::string json;                  // small non-layer members
  std::optional<StagedLayer> layer;  // members that unpacked as layers
  std::optional<Error> layer_error;  // members that looked like layers but did not unpack
};

class Loader {
 public:
  Loader(Store& store, const TempArea& area) : store_(store), area_(area) {}
  Result<void> read_archive(archive::Reader& in);
  Result<std::vector<LoadedImage>> commit();

 private:
  Result<void> read_member(archive::TarReader& tar, const std::string& path, int64_t size);
  std::string resolve(std::string path) const;
  Result<const std::string*> json_member(const std::string& path);
  Result<const StagedLayer*> layer_member(const std::string& path);
  Result<void> docker_images();
  Result<void> oci_images();
  Result<void> oci_manifest(const oci::Descriptor& d, const oci::Reference* tag, int depth);
  Result<void> add(std::string manifest, std::string config, std::vector<std::string> layer_paths,
                   std::vector<oci::Reference> tags);

  Store& store_;
  const TempArea& area_;
  std::map<std::string, Member> members_;
  std::map<std::string, std::string> links_;
  int staged_count_ = 0;
  size_t json_bytes_ = 0;
  std::vector<NewImage> images_;
  std::vector<const StagedLayer*> to_place_;
};

// Joins a link target to the directory of the link, resolving ".." lexically; nothing
// may climb above the archive root.
Result<std::string> join_link(const std::string& link_path, std::string_view target) {
  std::vector<std::string> parts;
  if (!target.starts_with("/")) {
    parts = split(link_path, '/');
    parts.pop_back();  // the link's own name
  }
  for (const auto& p : split(target, '/')) {
    if (p.empty() || p == ".") continue;
    if (p == "..") {
      if (parts.empty())
        return Error::make(Errc::kInvalidArgument,
                           fmt::format("link target `{}` climbs out of the archive", target));
      parts.pop_back();
    } else {
      parts.push_back(p);
    }
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

std::string Loader::resolve(std::string path) const {
  for (int i = 0; i < 16; ++i) {  // bounded: link cycles end here
    auto it = links_.find(path);
    if (it == links_.end()) break;
    path = it->second;
  }
  return path;
}

Result<void> Loader::read_member(archive::TarReader& tar, const std::string& path, int64_t size) {
  std::string head(kPeekBytes, '\0');
  size_t have = 0;
  while (have < head.size()) {
    size_t n =
        TRY(tar.read_data({reinterpret_cast<uint8_t*>(head.data()) + have, head.size() - have}));
    if (n == 0) break;
    have += n;
  }
  head.resize(have);
  Member& m = members_[path];
  if (!looks_like_layer(head)) {
    if (size > static_cast<int64_t>(kMaxJsonBytes)) {
      log::debug("load: skipping large non-layer member {}", path);
      TRY(archive::drain(tar.data()));
      return {};
    }
    m.json = head;
    std::vector<uint8_t> buf(1 << 16);
    while (size_t n = TRY(tar.read_data(buf)))
      m.json.append(reinterpret_cast<char*>(buf.data()), n);
    return {};
  }
  SourceGuard source(tar.data());
  PrefixReader in(head, source);
  auto staged = stage_layer_blob(in, area_, std::to_string(staged_count_++));
  if (staged.ok()) {
    m.layer = std::move(staged).value();
    return {};
  }
  if (source.failed()) return *source.failed();
  Errc code = staged.error().code();
  if (code != Errc::kCorrupt && code != Errc::kInvalidArgument) return std::move(staged).error();
  // Hostile or broken content is an error only if a manifest names this member as a layer.
  m.layer_error = std::move(staged).error();
  TRY(archive::drain(in));
  return {};
}

Result<void> Loader::read_archive(archive::Reader& raw) {
  auto in = TRY(archive::DecompressReader::open(raw));
  archive::TarReader tar(*in);
  while (struct archive_entry* e = TRY(tar.next())) {
    std::string path = TRY_CTX(archive::clean_entry_path(archive_entry_pathname(e)), "archive");
    if (const char* target = archive_entry_hardlink(e)) {
      links_[path] = TRY_CTX(archive::clean_entry_path(target), "archive entry `{}`", path);
      continue;
    }
    switch (archive_entry_filetype(e)) {
      case AE_IFREG:
        TRY_CTX(read_member(tar, path, archive_entry_size(e)), "archive entry `{}`", path);
        break;
      case AE_IFLNK: {  // `docker save` and `podman save` share layer files by symlink
        const char* target = archive_entry_symlink(e);
        links_[path] = TRY_CTX(join_link(path, target ? target : ""), "archive entry `{}`", path);
        break;
      }
      default:
        break;  // directories and anything else carry nothing we need
    }
  }
  TRY(archive::drain(*in));
  return {};
}

Result<const std::string*> Loader::json_member(const std::string& path) {
  auto it = members_.find(resolve(path));
  if (it == members_.end() || it->second.layer || it->second.layer_error)
    return Error::make(Errc::kCorrupt, fmt::format("`{}`: missing from the archive", path));
  return &it->second.json;
}

Result<const StagedLayer*> Loader::layer_member(const std::string& path) {
  auto it = members_.find(resolve(path));
  if (it == members_.end())
    return Error::make(Errc::kCorrupt, fmt::format("layer `{}`: missing from the archive", path));
  if (it->second.layer_error)
    return Error(*it->second.layer_error).context(fmt::format("layer `{}`", path));
  if (!it->second.layer)
    return Error::make(Errc::kCorrupt, fmt::format("layer `{}`: not a tar archive", path));
  return &*it->second.layer;
}

Result<void> Loader::add(std::string manifest, std::string config,
                         std::vector<std::string> layer_paths, std::vector<oci::Reference> tags) {
  oci::ImageConfig c = TRY(oci::parse_image_config(config));
  if (c.diff_ids.size() != layer_paths.size())
    return Error::make(Errc::kCorrupt, fmt::format("config names {} layers, the manifest {}",
                                                   c.diff_ids.size(), layer_paths.size()));
  NewImage img;
  for (size_t i = 0; i < layer_paths.size(); ++i) {
    const StagedLayer* s = TRY(layer_member(layer_paths[i]));
    if (s->info.diff_id != c.diff_ids[i])
      return Error::make(Errc::kCorrupt,
                         fmt::format("layer `{}`: diff ID mismatch: config says {}, content is {}",
                                     layer_paths[i], c.diff_ids[i].str(), s->info.diff_id.str()));
    LayerRecord l;
    l.diff_id = s->info.diff_id;
    l.blob_digest = s->info.blob_digest;
    l.media_type = std::string(oci::media::oci_layer_type(s->info.compression));
    l.blob_size = static_cast<int64_t>(s->info.blob_size);
    l.diff_size = static_cast<int64_t>(s->info.diff_size);
    l.unpacked_size = static_cast<int64_t>(s->info.file_bytes);
    img.layers.push_back(l);
    to_place_.push_back(s);
  }
  if (manifest.empty()) {
    // Docker archives carry no manifest: describe the blobs as they are.
    oci::Manifest m;
    m.media_type = std::string(oci::media::kOciManifest);
    m.config = {std::string(oci::media::kOciConfig),
                oci::Digest::of(config),
                static_cast<int64_t>(config.size()),
                {},
                {}};
    for (const auto& l : img.layers)
      m.layers.push_back({l.media_type, l.blob_digest, l.blob_size, {}, {}});
    manifest = oci::dump_json(m.to_json());
  } else {
    // An OCI manifest keeps its media types; each layer's blob must be the one named.
    oci::Manifest m = TRY(oci::parse_manifest(manifest));
    for (size_t i = 0; i < m.layers.size(); ++i) {
      if (m.layers[i].digest != img.layers[i].blob_digest)
        return Error::make(
            Errc::kCorrupt,
            fmt::format("layer {}: blob digest mismatch: manifest says {}, content is {}", i,
                        m.layers[i].digest.str(), img.layers[i].blob_digest.str()));
      img.layers[i].media_type = m.layers[i].media_type;
    }
  }
  img.manifest = std::move(manifest);
  img.config = std::move(config);
  img.tags = std::move(tags);
  images_.push_back(std::move(img));
  return {};
}

Result<void> Loader::docker_images() {
  const std::string* text = TRY(json_member("manifest.json"));
  oci::Json j = TRY(oci::parse_json(*text, "manifest.json"));
  if (!j.is_array()) return Error::make(Errc::kCorrupt, "manifest.json: want an array");
  for (size_t i = 0; i < j.size(); ++i) {
    auto ctx = fmt::format("manifest.json: [{}]", i);
    std::string config_path = TRY_CTX(oci::get_string(j[i], "Config"), "{}", ctx);
    const oci::Json* layers = TRY_CTX(oci::get_array(j[i], "Layers"), "{}", ctx);
    std::vector<std::string> layer_paths;
    for (const auto& l : *layers) {
      if (!l.is_string()) return Error::make(Errc::kCorrupt, ctx + ": Layers: want strings");
      layer_paths.push_back(TRY_CTX(archive::clean_entry_path(l.get<std::string>()), "{}", ctx));
    }
    std::vector<oci::Reference> tags;
    if (j[i].contains("RepoTags") && j[i]["RepoTags"].is_array()) {
      for (const auto& t : j[i]["RepoTags"]) {
        if (!t.is_string()) return Error::make(Errc::kCorrupt, ctx + ": RepoTags: want strings");
        tags.push_back(
            TRY_CTX(oci::parse_tag_reference(t.get<std::string>()), "{}: RepoTags", ctx));
      }
    }
    std::string config =
        *TRY_CTX(json_member(TRY(archive::clean_entry_path(config_path))), "{}", ctx);
    TRY_CTX(add("", std::move(config), std::move(layer_paths), std::move(tags)), "{}", ctx);
  }
  return {};
}

std::string blob_member(const oci::Digest& d) { return "blobs/sha256/" + d.hex(); }

Result<std::string> verified_json(Loader* self,
                                  Result<const std::string*> (Loader::*get)(const std::string&),
                                  const oci::Descriptor& d) {
  const std::string* text = TRY((self->*get)(blob_member(d.digest)));
  if (oci::Digest::of(*text) != d.digest || static_cast<int64_t>(text->size()) != d.size)
    return Error::make(Errc::kCorrupt, fmt::format("blob {}: content does not match its descriptor",
                                                   d.digest.str()));
  return *text;
}

Result<void> Loader::oci_manifest(const oci::Descriptor& d, const oci::Reference* tag, int depth) {
  std::string text = TRY(verified_json(this, &Loader::json_member, d));
  if (oci::media::is_index_type(d.media_type)) {
    if (depth > 4) return Error::make(Errc::kCorrupt, "indexes nested too deep");
    oci::Index idx = TRY(oci::parse_index(text));
    // Pick the entry for this machine, as a pull would.
    for (const auto& m : idx.manifests) {
      if (!m.platform ||
          (m.platform->os == "linux" && m.platform->architecture == oci::host_architecture()))
        return oci_manifest(m, tag, depth + 1);
    }
    return Error::make(Errc::kNotFound, fmt::format("index {}: no manifest for linux/{}",
                                                    d.digest.str(), oci::host_architecture()));
  }
  if (!oci::media::is_manifest_type(d.media_type))
    return Error::make(Errc::kUnsupported, fmt::format("unknown media type \"{}\"", d.media_type));
  oci::Manifest m = TRY(oci::parse_manifest(text));
  std::string config = TRY_CTX(verified_json(this, &Loader::json_member, m.config), "config");
  std::vector<std::string> layer_paths;
  for (const auto& l : m.layers) layer_paths.push_back(blob_member(l.digest));
  std::vector<oci::Reference> tags;
  if (tag) tags.push_back(*tag);
  return add(std::move(text), std::move(config), std::move(layer_paths), std::move(tags));
}

// The image name an index entry carries: containerd's full name, else a ref.name that is
// a whole reference ("busybox:latest"); a bare tag ("latest") names no repository.
std::optional<oci::Reference> entry_name(const oci::Descriptor& d) {
  for (const char* key : {"io.containerd.image.name", "org.opencontainers.image.ref.name"}) {
    auto it = d.annotations.find(key);
    if (it == d.annotations.end()) continue;
    if (std::string_view(key) != "io.containerd.image.name" &&
        it->second.find_first_of("/:") == std::string::npos)
      continue;
    auto ref = oci::parse_tag_reference(it->second);
    if (ref.ok()) return *ref;
  }
  return std::nullopt;
}

Result<void> Loader::oci_images() {
  const std::string* layout = TRY(json_member("oci-layout"));
  oci::Json lj = TRY(oci::parse_json(*layout, "oci-layout"));
  std::string version = TRY_CTX(oci::get_string(lj, "imageLayoutVersion"), "oci-layout");
  if (version != "1.0.0")
    return Error::make(Errc::kUnsupported,
                       fmt::format("oci-layout: version {} (want 1.0.0)", version));
  const std::string* text = TRY(json_member("index.json"));
  oci::Index idx = TRY_CTX(oci::parse_index(*text), "index.json");
  for (size_t i = 0; i < idx.manifests.size(); ++i) {
    auto name = entry_name(idx.manifests[i]);
    TRY_CTX(oci_manifest(idx.manifests[i], name ? &*name : nullptr, 0), "index.json: manifests[{}]",
            i);
  }
  return {};
}

Result<std::vector<LoadedImage>> Loader::commit() {
  if (members_.count("manifest.json")) {
    TRY(docker_images());
  } else if (members_.count("index.json")) {
    TRY(oci_images());
  } else {
    return Error::make(
        Errc::kCorrupt,
        "neither manifest.json nor index.json found: not a Docker or OCI image archive");
  }
  std::set<const StagedLayer*> placed;
  for (const StagedLayer* s : to_place_) {
    if (!placed.insert(s).second) continue;
    TRY(store_.place_blob(s->blob_path, s->info.blob_digest));
    TRY(store_.place_layer(*s));
  }
  std::map<std::string, LoadedImage> by_id;
  std::vector<LoadedImage> out;
  for (const auto& img : images_) {
    ImageRecord rec = TRY(store_.add_image(img));
    auto [it, fresh] = by_id.try_emplace(rec.id.str(), LoadedImage{rec.id, {}});
    for (const auto& t : img.tags) it->second.tags.push_back(t);
  }
  for (auto& [id, li] : by_id) out.push_back(std::move(li));
  return out;
}

}  // namespace

Result<std::vector<LoadedImage>> load_images(Store& store, archive::Reader& in) {
  auto lock = TRY(store.lock_shared());
  TempArea area = TRY(store.make_temp());
  Loader loader(store, area);
  TRY(loader.read_archive(in));
  return loader.commit();
}

}  // namespace strata::store
