// SPDX-License-Identifier: Apache-2.0
// `strata save`: Docker's archive format as Docker 25+ writes it, which is at the same
// time an OCI image layout: blobs/sha256/ (uncompressed layer tars, configs, manifests),
// index.json, oci-layout, manifest.json and repositories.
#include <archive_entry.h>
#include <fcntl.h>

#include <map>
#include <set>

#include "archive/compress.h"
#include "archive/tar_io.h"
#include "oci/media_types.h"
#include "store/image_io.h"

namespace strata::store {

namespace {

struct SaveItem {
  ImageRecord image;
  std::vector<oci::Reference> tags;
};

// A name without tag or digest ("busybox") saves every tag of that repository, as Docker
// does; a tag saves that tag; an ID or name@digest saves the image without tags.
Result<std::vector<SaveItem>> resolve_for_save(Store& store, const std::string& name) {
  auto ref = oci::parse_reference(name);
  auto last = name.rfind('/');
  bool bare_repo = ref.ok() && name.find('@') == std::string::npos &&
                   name.find(':', last == std::string::npos ? 0 : last) == std::string::npos;
  if (bare_repo) {
    std::vector<SaveItem> items;
    for (auto& img : TRY(store.list_images())) {
      SaveItem item{img, {}};
      for (const auto& t : img.tags) {
        auto tr = TRY_CTX(oci::parse_reference(t), "stored tag");
        if (tr.repository() == ref->repository()) item.tags.push_back(tr);
      }
      if (!item.tags.empty()) items.push_back(std::move(item));
    }
    if (!items.empty()) return items;
  }
  SaveItem item{TRY(store.resolve(name)), {}};
  if (ref.ok() && !ref->digest && !bare_repo) item.tags.push_back(*ref);
  return std::vector<SaveItem>{std::move(item)};
}

Result<void> write_layer(Store& store, archive::TarWriter& tar, const LayerRecord& l) {
  std::string path = store.blob_path(l.blob_digest);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return Error::from_errno(errno, fmt::format("open layer blob {}", l.blob_digest.str()));
  UniqueFd guard(fd);
  archive::FdReader raw(fd, path);
  auto tarstream = TRY(archive::DecompressReader::open(raw));
  archive::HashingReader diff(*tarstream);
  struct archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, ("blobs/sha256/" + l.diff_id.hex()).c_str());
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, l.diff_size);
  auto r = tar.write_header(e);
  archive_entry_free(e);
  TRY(std::move(r));
  std::vector<uint8_t> buf(1 << 20);
  while (size_t n = TRY(diff.read(buf))) TRY(tar.write_data({buf.data(), n}));
  if (diff.bytes() != static_cast<uint64_t>(l.diff_size) || diff.digest() != l.diff_id)
    return Error::make(
        Errc::kCorrupt,
        fmt::format("layer {}: stored blob does not match its diff ID", l.diff_id.str()));
  return {};
}

}  // namespace

Result<void> save_images(Store& store, const std::vector<std::string>& names,
                         archive::Writer& out) {
  std::vector<SaveItem> items;
  for (const auto& n : names)
    for (auto& item : TRY(resolve_for_save(store, n))) items.push_back(std::move(item));

  archive::TarWriter tar(out);
  TRY(tar.add_dir("blobs/"));
  TRY(tar.add_dir("blobs/sha256/"));
  std::set<std::string> written;
  oci::Json index_entries = oci::Json::array();
  oci::Json manifest_json = oci::Json::array();
  oci::Json repositories = oci::Json::object();
  for (const auto& item : items) {
    const ImageRecord& img = item.image;
    for (const auto& l : img.layers)
      if (written.insert(l.diff_id.hex()).second) TRY(write_layer(store, tar, l));
    std::string config = TRY(store.read_blob(img.id));
    if (written.insert(img.id.hex()).second)
      TRY(tar.add_file("blobs/sha256/" + img.id.hex(), config));
    // The layers travel uncompressed, so the manifest names them by diff ID.
    oci::Manifest m;
    m.media_type = std::string(oci::media::kOciManifest);
    m.config = {
        std::string(oci::media::kOciConfig), img.id, static_cast<int64_t>(config.size()), {}, {}};
    oci::Json layer_paths = oci::Json::array();
    for (const auto& l : img.layers) {
      m.layers.push_back({std::string(oci::media::kOciLayer), l.diff_id, l.diff_size, {}, {}});
      layer_paths.push_back("blobs/sha256/" + l.diff_id.hex());
    }
    std::string manifest = oci::dump_json(m.to_json());
    oci::Digest md = oci::Digest::of(manifest);
    if (written.insert(md.hex()).second) TRY(tar.add_file("blobs/sha256/" + md.hex(), manifest));
    oci::Descriptor d{
        std::string(oci::media::kOciManifest), md, static_cast<int64_t>(manifest.size()), {}, {}};
    oci::Json repo_tags = oci::Json::array();
    for (const auto& t : item.tags) {
      oci::Descriptor named = d;
      named.annotations["io.containerd.image.name"] = t.str();
      named.annotations["org.opencontainers.image.ref.name"] = t.tag;
      index_entries.push_back(named.to_json());
      repo_tags.push_back(t.familiar());
      if (!img.layers.empty())
        repositories[t.familiar_repository()][t.tag] = img.layers.back().diff_id.hex();
    }
    if (item.tags.empty()) index_entries.push_back(d.to_json());
    manifest_json.push_back({{"Config", "blobs/sha256/" + img.id.hex()},
                             {"RepoTags", repo_tags},
                             {"Layers", layer_paths}});
  }
  oci::Json index = {{"schemaVersion", 2},
                     {"mediaType", std::string(oci::media::kOciIndex)},
                     {"manifests", index_entries}};
  TRY(tar.add_file("index.json", oci::dump_json(index)));
  TRY(tar.add_file("manifest.json", oci::dump_json(manifest_json)));
  TRY(tar.add_file("oci-layout", R"({"imageLayoutVersion":"1.0.0"})"));
  if (!repositories.empty()) TRY(tar.add_file("repositories", oci::dump_json(repositories)));
  return tar.close();
}

}  // namespace strata::store
