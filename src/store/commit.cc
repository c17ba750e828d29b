// SPDX-License-Identifier: Apache-2.0
// `strata commit`: a container's rw layer becomes an image layer on top of its image.
// The tree is packed once into a plain tar in the ingest's lease directory, then that tar
// goes through import's pipeline (recompressed, hashed both ways, unpacked in one pass);
// the lease keeps every staged file until the image's rows commit, so a kill at any
// point leaves nothing that the next collection does not reclaim.
#include <fcntl.h>
#include <unistd.h>

#include "oci/media_types.h"
#include "store/image_io.h"
#include "store/store_internal.h"
#include "util/strings.h"

namespace strata::store {

namespace {

// The tree as an uncompressed layer tar in `dir`; returns the open file, at offset 0.
Result<UniqueFd> pack_to_file(int tree_fd, const std::string& dir,
                              const archive::PackFilter& skip) {
  std::string path = dir + "/commit.tar";
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) return Error::from_errno(errno, fmt::format("create `{}`", path));
  archive::FdWriter out(fd.get(), path);
  TRY_CTX(archive::pack_dir(tree_fd, out, skip), "pack the container's changes");
  if (::lseek(fd.get(), 0, SEEK_SET) < 0)
    return Error::from_errno(errno, fmt::format("seek `{}`", path));
  return fd;
}

Result<std::string> child_config(std::string_view parent, const oci::Digest& diff_id,
                                 const CommitImageOptions& o) {
  oci::Json cfg = TRY(oci::parse_json(parent, "image config"));
  int64_t now = realtime_ns();
  std::string created = format_rfc3339(now / 1000000000, now % 1000000000);
  cfg["config"] = o.config;
  cfg["created"] = created;
  if (!o.author.empty())
    cfg["author"] = o.author;
  else
    cfg.erase("author");
  oci::Json entry = {{"created", created}};
  if (!o.author.empty()) entry["author"] = o.author;
  entry["created_by"] = o.created_by;
  if (!o.comment.empty()) entry["comment"] = o.comment;
  if (!cfg.contains("history") || !cfg["history"].is_array()) cfg["history"] = oci::Json::array();
  cfg["history"].push_back(entry);
  if (!cfg.contains("rootfs") || !cfg["rootfs"].is_object())
    cfg["rootfs"] = {{"type", "layers"}, {"diff_ids", oci::Json::array()}};
  cfg["rootfs"]["diff_ids"].push_back(diff_id.str());
  return oci::dump_json(cfg);
}

}  // namespace

Result<ImageRecord> commit_image(Store& store, const ImageRecord& parent, int tree_fd,
                                 const CommitImageOptions& opts) {
  std::string parent_config = TRY(store.read_blob(parent.id));
  auto ingest = TRY(Ingest::begin(store, "commit"));
  const std::string scratch = ingest.lease().dir();
  StagedLayer layer = TRY(
      ingest.stage_layer([&](archive::Writer& blob, int diff_fd,
                             const archive::ExtractLimits& limits) -> Result<archive::LayerInfo> {
        UniqueFd tar = TRY(pack_to_file(tree_fd, scratch, opts.skip));
        archive::FdReader in(tar.get(), "the container's changes");
        return archive::import_tar(in, archive::Compression::kGzip, blob, diff_fd, limits);
      }));
  std::string config = TRY(child_config(parent_config, layer.info.diff_id, opts));
  std::vector<LayerRecord> layers = parent.layers;
  layers.push_back(
      internal::layer_record(layer, oci::media::oci_layer_type(archive::Compression::kGzip)));
  std::string manifest = internal::describe_image(config, layers);
  StagedBlob config_blob = TRY(ingest.stage_bytes(config));
  StagedBlob manifest_blob = TRY(ingest.stage_bytes(manifest));
  TRY(ingest.place({&config_blob, &manifest_blob}, {&layer}));
  layers.back().link = layer.link;

  NewImage img{manifest, config, layers, {}};
  if (opts.tag) img.tags.push_back(*opts.tag);
  auto out = TRY(ingest.commit({img}));
  ingest.finish();
  return out.front();
}

}  // namespace strata::store
