// SPDX-License-Identifier: Apache-2.0
// `strata load`: Docker archives (manifest.json) and OCI image-layout archives
// (index.json + oci-layout), read in one pass. Members that look like layers (tar, gzip
// or zstd magic) are copied, hashed and unpacked under the ingest's lease as they stream
// by; members a manifest can name and that look like JSON stay in memory, within a cap;
// everything else is skipped unread. Only then are the manifests read and every digest
// and size checked against them, and only then is anything placed in the store.
#include <archive_entry.h>

#include <cstring>
#include <map>
#include <set>

#include "archive/tar.h"
#include "archive/tar_io.h"
#include "oci/media_types.h"
#include "store/image_io.h"
#include "store/store_internal.h"
#include "sys/fs.h"
#include "util/log.h"
#include "util/strings.h"

namespace strata::store {

namespace {

constexpr size_t kMaxJsonBytes = static_cast<size_t>(oci::kMaxConfigBytes);  // one member
constexpr size_t kMaxTotalJsonBytes = 64 << 20;                              // all of them
constexpr size_t kMaxNames = 100000;  // members and links remembered
// Members unpacked as they stream by, before any manifest says which it needs. Docker
// keeps an image under 128 layers; this leaves room for archives of hundreds of images
// and bounds what a hostile archive of tiny layers can cost (about 0.5 ms each).
constexpr size_t kMaxLayers = 16384;
constexpr size_t kPeekBytes = 512;
constexpr size_t kMaxNameBytes = 4096;         // one member's or link target's name
constexpr size_t kMaxAllNameBytes = 32 << 20;  // all the names remembered
constexpr size_t kMaxImages = 10000;           // distinct images (entries naming the same
                                               // config, layers and manifest are one)

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

bool looks_like_json(std::string_view head) {
  size_t i = head.find_first_not_of(" \t\r\n");
  return i != std::string_view::npos && (head[i] == '{' || head[i] == '[');
}

// What a manifest, an index or manifest.json can name: the archive's own files, blobs
// by digest, and configs (Docker names them <id>.json). Docker's legacy <id>/json and
// VERSION files, and anything else, are never read into memory.
bool may_be_named(const std::string& path) {
  return path == "manifest.json" || path == "index.json" || path == "oci-layout" ||
         path == "repositories" || path.starts_with("blobs/sha256/") || path.ends_with(".json");
}

struct Member {
  std::string json;                  // members kept in memory
  std::optional<StagedLayer> layer;  // members that unpacked as layers
  std::optional<Error> error;        // why a member a manifest may name was not kept
};

// An image verified and waiting to be placed and recorded. Its config and manifest are
// members' texts, shared by every entry that names them: an archive whose manifest.json
// lists one 4 MB config 600 times held 600 copies (2.4 GB) before.
struct Pending {
  const std::string* config = nullptr;
  const std::string* manifest = nullptr;  // OCI; Docker archives carry none
  std::vector<LayerRecord> layers;
  std::vector<StagedLayer*> staged;
  std::vector<oci::Reference> tags;
  std::set<std::string> tag_names;
};

class Loader {
 public:
  explicit Loader(Ingest& ingest) : ingest_(ingest) {}
  Result<void> read_archive(archive::Reader& in);
  Result<void> find_images();
  Result<std::vector<LoadedImage>> place_and_commit();

 private:
  Result<void> read_entry(archive::TarReader& tar, struct archive_entry* e);
  Result<void> read_member(archive::TarReader& tar, const std::string& path, int64_t size);
  Result<void> keep_json(archive::TarReader& tar, Member& m, const std::string& path,
                         std::string head, int64_t size);
  Result<void> stage_member(archive::TarReader& tar, Member& m, std::string head);
  Result<void> check_names() const;
  Result<Member*> remember(const std::string& path);
  std::string resolve(std::string path) const;
  Result<const std::string*> json_member(const std::string& path);
  Result<StagedLayer*> layer_member(const std::string& path);
  Result<const std::string*> verified_json(const oci::Descriptor& d);
  const oci::Digest& digest_of(const std::string* text);
  Result<const std::vector<oci::Digest>*> diff_ids_of(const std::string* config);
  Result<void> check_name(const std::string& name);
  Result<void> docker_images();
  Result<void> docker_entry(const oci::Json& entry);
  Result<void> oci_images();
  Result<void> oci_manifest(const oci::Descriptor& d, const oci::Reference* tag, int depth);
  Result<void> add(const std::string* manifest, const std::string* config,
                   const std::vector<std::string>& layer_paths, std::vector<oci::Reference> tags);
  Result<void> check_oci_layers(const std::string& manifest, Pending& p);

  Ingest& ingest_;
  std::map<std::string, Member> members_;
  std::map<std::string, std::string> links_;
  size_t json_bytes_ = 0;
  size_t layers_ = 0;      // members staged as layers
  size_t name_bytes_ = 0;  // of the names remembered
  std::vector<Pending> images_;
  std::map<std::string, size_t> image_index_;  // what makes an image distinct -> images_
  std::map<const std::string*, oci::Digest> digests_;
  std::map<const std::string*, std::vector<oci::Digest>> diff_ids_;
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
        return Error::make(
            Errc::kInvalidArgument,
            fmt::format("link target `{}` climbs out of the archive", printable(target)));
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

Result<void> Loader::check_names() const {
  if (members_.size() + links_.size() >= kMaxNames)
    return Error::make(Errc::kCorrupt, fmt::format("more than {} members", kMaxNames));
  return {};
}

// A name seen again replaces what it was (tar's rule: the last member of a name wins),
// whether it was a member or a link.
Result<Member*> Loader::remember(const std::string& path) {
  TRY(check_names());
  links_.erase(path);
  Member& m = members_[path];
  m = Member{};
  return &m;
}

Result<void> Loader::keep_json(archive::TarReader& tar, Member& m, const std::string& path,
                               std::string head, int64_t size) {
  if (size > static_cast<int64_t>(kMaxJsonBytes)) {
    m.error = Error::make(
        Errc::kCorrupt, fmt::format("`{}`: larger than {} bytes", printable(path), kMaxJsonBytes));
    return archive::drain(tar.data()).ok() ? Result<void>() : tar.fail("skip member");
  }
  if (json_bytes_ + static_cast<size_t>(size) > kMaxTotalJsonBytes)
    return Error::make(Errc::kCorrupt, fmt::format("JSON members add up to more than {} bytes",
                                                   kMaxTotalJsonBytes));
  json_bytes_ += static_cast<size_t>(size);
  m.json = std::move(head);
  m.json.reserve(static_cast<size_t>(size));
  std::vector<uint8_t> buf(1 << 16);
  while (size_t n = TRY(tar.read_data(buf))) {
    if (m.json.size() + n > static_cast<size_t>(size))  // never more than the header said
      return Error::make(Errc::kCorrupt, "more data than the tar header says");
    m.json.append(reinterpret_cast<char*>(buf.data()), n);
  }
  return {};
}

Result<void> Loader::stage_member(archive::TarReader& tar, Member& m, std::string head) {
  if (++layers_ > kMaxLayers)
    return Error::make(Errc::kCorrupt,
                       fmt::format("more than {} members that look like layers", kMaxLayers));
  SourceGuard source(tar.data());
  PrefixReader in(std::move(head), source);
  auto staged = ingest_.stage_layer_blob(in);
  if (staged.ok()) {
    m.layer = std::move(staged).value();
    return {};
  }
  if (source.failed()) return *source.failed();
  Errc code = staged.error().code();
  if (code != Errc::kCorrupt && code != Errc::kInvalidArgument) return std::move(staged).error();
  // Hostile or broken content is an error only if a manifest names this member as a layer.
  m.error = std::move(staged).error();
  TRY(archive::drain(in));
  return {};
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
  if (looks_like_layer(head)) return stage_member(tar, *TRY(remember(path)), std::move(head));
  if (may_be_named(path) && looks_like_json(head))
    return keep_json(tar, *TRY(remember(path)), path, std::move(head), size);
  // Not JSON and not a layer: nothing a manifest could use. Its data is skipped unread;
  // a name a manifest might give is remembered, to say what is wrong with it.
  if (may_be_named(path))
    TRY(remember(path))->error =
        Error::make(Errc::kCorrupt, fmt::format("`{}`: not a JSON document", printable(path)));
  TRY(archive::drain(tar.data()));
  return {};
}

// Names are remembered (members, links and their targets) until the manifests are read:
// each is capped, and so is their sum (libarchive takes PAX names of up to 1 MiB).
Result<void> Loader::check_name(const std::string& name) {
  if (name.size() > kMaxNameBytes)
    return Error::make(Errc::kCorrupt, fmt::format("name `{}` is longer than {} bytes",
                                                   sys::printable_path(name), kMaxNameBytes));
  name_bytes_ += name.size();
  if (name_bytes_ > kMaxAllNameBytes)
    return Error::make(Errc::kCorrupt,
                       fmt::format("member names add up to more than {} bytes", kMaxAllNameBytes));
  return {};
}

Result<void> Loader::read_entry(archive::TarReader& tar, struct archive_entry* e) {
  std::string path = TRY_CTX(archive::clean_entry_path(archive_entry_pathname(e)), "archive");
  TRY_CTX(check_name(path), "archive");
  auto ctx = [&] { return fmt::format("archive entry `{}`", printable(path)); };
  if (const char* target = archive_entry_hardlink(e)) {
    TRY(check_names());
    members_.erase(path);
    std::string to = TRY_CTX(archive::clean_entry_path(target), "{}", ctx());
    TRY_CTX(check_name(to), "{}", ctx());
    links_[path] = std::move(to);
    return {};
  }
  switch (archive_entry_filetype(e)) {
    case AE_IFREG:
      TRY_CTX(read_member(tar, path, archive_entry_size(e)), "{}", ctx());
      return {};
    case AE_IFLNK: {  // `docker save` and `podman save` share layer files by symlink
      TRY(check_names());
      members_.erase(path);
      const char* target = archive_entry_symlink(e);
      std::string to = TRY_CTX(join_link(path, target ? target : ""), "{}", ctx());
      TRY_CTX(check_name(to), "{}", ctx());
      links_[path] = std::move(to);
      return {};
    }
    default:
      return {};  // directories and anything else carry nothing we need
  }
}

Result<void> Loader::read_archive(archive::Reader& raw) {
  auto in = TRY(archive::DecompressReader::open(raw));
  archive::TarReader tar(*in);
  while (struct archive_entry* e = TRY(tar.next())) TRY(read_entry(tar, e));
  TRY(archive::drain(*in));
  return {};
}

Result<const std::string*> Loader::json_member(const std::string& path) {
  auto it = members_.find(resolve(path));
  if (it != members_.end() && it->second.error) return Error(*it->second.error);
  if (it == members_.end() || it->second.layer)
    return Error::make(Errc::kCorrupt,
                       fmt::format("`{}`: missing from the archive", printable(path)));
  return &it->second.json;
}

Result<StagedLayer*> Loader::layer_member(const std::string& path) {
  auto it = members_.find(resolve(path));
  std::string name = printable(path);
  if (it == members_.end())
    return Error::make(Errc::kCorrupt, fmt::format("layer `{}`: missing from the archive", name));
  if (it->second.error) return Error(*it->second.error).context(fmt::format("layer `{}`", name));
  if (!it->second.layer)
    return Error::make(Errc::kCorrupt, fmt::format("layer `{}`: not a tar archive", name));
  return &*it->second.layer;
}

const oci::Digest& Loader::digest_of(const std::string* text) {
  auto [it, fresh] = digests_.try_emplace(text);
  if (fresh) it->second = oci::Digest::of(*text);
  return it->second;
}

// Each config is parsed and checked once, however many entries name it.
Result<const std::vector<oci::Digest>*> Loader::diff_ids_of(const std::string* config) {
  auto it = diff_ids_.find(config);
  if (it == diff_ids_.end())
    it = diff_ids_.emplace(config, TRY(oci::parse_image_config(*config)).diff_ids).first;
  return &it->second;
}

Result<void> Loader::add(const std::string* manifest, const std::string* config,
                         const std::vector<std::string>& layer_paths,
                         std::vector<oci::Reference> tags) {
  const auto& diff_ids = *TRY(diff_ids_of(config));
  if (diff_ids.size() != layer_paths.size())
    return Error::make(Errc::kCorrupt, fmt::format("config names {} layers, the manifest {}",
                                                   diff_ids.size(), layer_paths.size()));
  Pending p;
  p.config = config;
  p.manifest = manifest;
  std::string key = fmt::format("{}/{}", fmt::ptr(manifest), fmt::ptr(config));
  for (size_t i = 0; i < layer_paths.size(); ++i) {
    StagedLayer* s = TRY(layer_member(layer_paths[i]));
    if (s->info.diff_id != diff_ids[i])
      return Error::make(
          Errc::kCorrupt,
          fmt::format("layer `{}`: diff ID mismatch: config says {}, content is {}",
                      printable(layer_paths[i]), diff_ids[i].str(), s->info.diff_id.str()));
    p.layers.push_back(internal::layer_record(*s, oci::media::oci_layer_type(s->info.compression)));
    p.staged.push_back(s);
    key += fmt::format("/{}", fmt::ptr(s));
  }
  auto [it, fresh] = image_index_.try_emplace(key, images_.size());
  if (fresh) {
    if (images_.size() >= kMaxImages)
      return Error::make(Errc::kCorrupt, fmt::format("more than {} images", kMaxImages));
    if (manifest != nullptr) TRY(check_oci_layers(*manifest, p));
    images_.push_back(std::move(p));
  }
  Pending& into = images_[it->second];
  for (auto& t : tags)
    if (into.tag_names.insert(t.str()).second) into.tags.push_back(std::move(t));
  return {};
}

// An OCI manifest keeps its media types; each layer's blob must be the one its descriptor
// names, by digest and by size.
Result<void> Loader::check_oci_layers(const std::string& manifest, Pending& p) {
  oci::Manifest m = TRY(oci::parse_manifest(manifest));
  for (size_t i = 0; i < m.layers.size() && i < p.layers.size(); ++i) {
    LayerRecord& l = p.layers[i];
    if (m.layers[i].digest != l.blob_digest)
      return Error::make(
          Errc::kCorrupt,
          fmt::format("layer {}: blob digest mismatch: manifest says {}, content is {}", i,
                      m.layers[i].digest.str(), l.blob_digest.str()));
    if (m.layers[i].size != l.blob_size)
      return Error::make(
          Errc::kCorrupt,
          fmt::format("layer {}: blob size mismatch: manifest says {} bytes, content is {}", i,
                      m.layers[i].size, l.blob_size));
    l.media_type = m.layers[i].media_type;
  }
  return {};
}

Result<std::vector<std::string>> string_list(const oci::Json& entry, const char* key,
                                             bool required) {
  std::vector<std::string> out;
  auto it = entry.find(key);
  if (it == entry.end() || it->is_null()) {
    if (required) return Error::make(Errc::kCorrupt, fmt::format("{}: missing", key));
    return out;
  }
  if (!it->is_array())
    return Error::make(Errc::kCorrupt, fmt::format("{}: want an array of strings", key));
  for (const auto& v : *it) {
    if (!v.is_string())
      return Error::make(Errc::kCorrupt, fmt::format("{}: want an array of strings", key));
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<void> Loader::docker_entry(const oci::Json& entry) {
  if (!entry.is_object()) return Error::make(Errc::kCorrupt, "want an object");
  std::string config_path = TRY(oci::get_string(entry, "Config"));
  std::vector<std::string> layer_paths;
  for (const auto& l : TRY(string_list(entry, "Layers", true)))
    layer_paths.push_back(TRY_CTX(archive::clean_entry_path(l), "Layers"));
  std::vector<oci::Reference> tags;
  for (const auto& t : TRY(string_list(entry, "RepoTags", false)))
    tags.push_back(TRY_CTX(oci::parse_tag_reference(t), "RepoTags"));
  const std::string* config =
      TRY_CTX(json_member(TRY_CTX(archive::clean_entry_path(config_path), "Config")), "Config");
  return add(nullptr, config, layer_paths, std::move(tags));
}

Result<void> Loader::docker_images() {
  const std::string* text = TRY(json_member("manifest.json"));
  oci::Json j = TRY(oci::parse_json(*text, "manifest.json"));
  if (!j.is_array()) return Error::make(Errc::kCorrupt, "manifest.json: want an array");
  for (size_t i = 0; i < j.size(); ++i) TRY_CTX(docker_entry(j[i]), "manifest.json: [{}]", i);
  return {};
}

std::string blob_member(const oci::Digest& d) { return "blobs/sha256/" + d.hex(); }

Result<const std::string*> Loader::verified_json(const oci::Descriptor& d) {
  const std::string* text = TRY(json_member(blob_member(d.digest)));
  if (digest_of(text) != d.digest || static_cast<int64_t>(text->size()) != d.size)
    return Error::make(Errc::kCorrupt, fmt::format("blob {}: content does not match its descriptor",
                                                   d.digest.str()));
  return text;
}

Result<void> Loader::oci_manifest(const oci::Descriptor& d, const oci::Reference* tag, int depth) {
  const std::string* text = TRY(verified_json(d));
  if (oci::media::is_index_type(d.media_type)) {
    if (depth > 4) return Error::make(Errc::kCorrupt, "indexes nested too deep");
    oci::Index idx = TRY(oci::parse_index(*text));
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
    return Error::make(Errc::kUnsupported,
                       fmt::format("unknown media type \"{}\"", printable(d.media_type)));
  oci::Manifest m = TRY(oci::parse_manifest(*text));
  const std::string* config = TRY_CTX(verified_json(m.config), "config");
  std::vector<std::string> layer_paths;
  for (const auto& l : m.layers) layer_paths.push_back(blob_member(l.digest));
  std::vector<oci::Reference> tags;
  if (tag) tags.push_back(*tag);
  return add(text, config, layer_paths, std::move(tags));
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
                       fmt::format("oci-layout: version {} (want 1.0.0)", printable(version)));
  const std::string* text = TRY(json_member("index.json"));
  oci::Index idx = TRY_CTX(oci::parse_index(*text), "index.json");
  for (size_t i = 0; i < idx.manifests.size(); ++i) {
    auto name = entry_name(idx.manifests[i]);
    TRY_CTX(oci_manifest(idx.manifests[i], name ? &*name : nullptr, 0), "index.json: manifests[{}]",
            i);
  }
  return {};
}

Result<void> Loader::find_images() {
  if (members_.count("manifest.json")) {
    TRY(docker_images());
  } else if (members_.count("index.json")) {
    TRY(oci_images());
  } else {
    return Error::make(
        Errc::kCorrupt,
        "neither manifest.json nor index.json found: not a Docker or OCI image archive");
  }
  if (images_.empty()) return Error::make(Errc::kCorrupt, "archive holds no images");
  return {};
}

Result<std::vector<LoadedImage>> Loader::place_and_commit() {
  // Docker archives carry no manifest: describe the blobs as they are.
  std::vector<std::string> described(images_.size());
  for (size_t i = 0; i < images_.size(); ++i) {
    Pending& p = images_[i];
    if (p.manifest != nullptr) continue;
    described[i] = internal::describe_image(digest_of(p.config),
                                            static_cast<int64_t>(p.config->size()), p.layers);
    p.manifest = &described[i];
  }
  std::vector<StagedBlob> json_blobs;
  std::set<oci::Digest> seen;
  for (const auto& p : images_)
    for (const std::string* text : {p.manifest, p.config})
      if (seen.insert(digest_of(text)).second)
        json_blobs.push_back(TRY(ingest_.stage_bytes(*text)));
  std::vector<const StagedBlob*> blobs;
  for (const auto& b : json_blobs) blobs.push_back(&b);
  std::vector<StagedLayer*> layers;
  for (const auto& p : images_) layers.insert(layers.end(), p.staged.begin(), p.staged.end());
  TRY(ingest_.place(blobs, layers));
  // One image per config (its ID), with the tags of every entry that names it: an
  // archive listing one image under 4000 tags recorded it 4000 times, each time reading
  // all its tags back (quadratic: 1.3 GB and 28 s for a 1 MB archive).
  std::vector<NewImage> images;
  std::map<std::string, size_t> index_of;
  std::set<std::pair<size_t, std::string>> tagged;
  for (auto& p : images_) {
    for (size_t i = 0; i < p.staged.size(); ++i) p.layers[i].link = p.staged[i]->link;
    auto [it, fresh] = index_of.try_emplace(digest_of(p.config).str(), images.size());
    if (fresh) images.push_back(NewImage{*p.manifest, *p.config, p.layers, {}});
    for (const auto& t : p.tags)
      if (tagged.emplace(it->second, t.str()).second) images[it->second].tags.push_back(t);
  }
  auto records = TRY(ingest_.commit(images));
  std::map<std::string, LoadedImage> by_id;
  for (size_t i = 0; i < records.size(); ++i)
    by_id[records[i].id.str()] = LoadedImage{records[i].id, images[i].tags};
  std::vector<LoadedImage> out;
  for (auto& [id, li] : by_id) out.push_back(std::move(li));
  return out;
}

}  // namespace

Result<std::vector<LoadedImage>> load_images(Store& store, archive::Reader& in) {
  auto ingest = TRY(Ingest::begin(store, "load"));
  Loader loader(ingest);
  TRY(loader.read_archive(in));
  TRY(loader.find_images());
  auto out = TRY(loader.place_and_commit());
  ingest.finish();
  return out;
}

}  // namespace strata::store
