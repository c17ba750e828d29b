// SPDX-License-Identifier: Apache-2.0
// `strata import`: a rootfs tarball becomes a one-layer image. The tar is decompressed
// once, recompressed, hashed both ways and unpacked in the same pass.
#include <fcntl.h>
#include <unistd.h>

#include <ctime>

#include "oci/change.h"
#include "oci/media_types.h"
#include "store/image_io.h"
#include "sys/fs.h"
#include "util/strings.h"

namespace strata::store {

Result<ImageRecord> import_image(Store& store, archive::Reader& in, const ImportOptions& opts) {
  // Check the changes before reading any input: a bad flag consumes and changes nothing.
  oci::Json container_config = oci::Json::object();
  for (const auto& c : opts.changes) TRY(oci::apply_change(container_config, c));

  auto lock = TRY(store.lock_shared());
  TempArea area = TRY(store.make_temp());
  StagedLayer staged =
      TRY_CTX(stage_layer(area, "layer",
                          [&](archive::Writer& blob, int diff_fd) {
                            return archive::import_tar(in, opts.compression, blob, diff_fd);
                          }),
              "import `{}`", opts.source);
  TRY(store.place_blob(staged.blob_path, staged.info.blob_digest));
  TRY(store.place_layer(staged));

  struct timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);
  std::string created = format_rfc3339(now.tv_sec, now.tv_nsec);
  oci::Json cfg = oci::Json::object();
  cfg["architecture"] = oci::host_architecture();
  cfg["config"] = container_config;
  cfg["created"] = created;
  cfg["history"] = oci::Json::array(
      {{{"created", created},
        {"created_by", "strata import"},
        {"comment", opts.message.empty() ? "Imported from " + opts.source : opts.message}}});
  cfg["os"] = "linux";
  cfg["rootfs"] = {{"type", "layers"}, {"diff_ids", oci::Json::array({staged.info.diff_id.str()})}};
  std::string config = oci::dump_json(cfg);

  LayerRecord layer;
  layer.diff_id = staged.info.diff_id;
  layer.blob_digest = staged.info.blob_digest;
  layer.media_type = std::string(oci::media::oci_layer_type(opts.compression));
  layer.blob_size = static_cast<int64_t>(staged.info.blob_size);
  layer.diff_size = static_cast<int64_t>(staged.info.diff_size);
  layer.unpacked_size = static_cast<int64_t>(staged.info.file_bytes);

  oci::Manifest m;
  m.media_type = std::string(oci::media::kOciManifest);
  m.config = {std::string(oci::media::kOciConfig),
              oci::Digest::of(config),
              static_cast<int64_t>(config.size()),
              {},
              {}};
  m.layers.push_back({layer.media_type, layer.blob_digest, layer.blob_size, {}, {}});

  NewImage img{oci::dump_json(m.to_json()), config, {layer}, {}};
  if (opts.tag) img.tags.push_back(*opts.tag);
  return store.add_image(img);
}

}  // namespace strata::store
