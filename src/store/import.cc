// SPDX-License-Identifier: Apache-2.0
// `strata import`: a rootfs tarball becomes a one-layer image. The tar is decompressed
// once, recompressed, hashed both ways and unpacked in the same pass, under a lease.
#include <time.h>

#include "oci/change.h"
#include "oci/media_types.h"
#include "store/image_io.h"
#include "store/store_internal.h"
#include "util/strings.h"

namespace strata::store {

namespace {

std::string import_config(const oci::Json& container_config, const oci::Digest& diff_id,
                          const ImportOptions& opts) {
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
  cfg["rootfs"] = {{"type", "layers"}, {"diff_ids", oci::Json::array({diff_id.str()})}};
  return oci::dump_json(cfg);
}

}  // namespace

Result<ImageRecord> import_image(Store& store, archive::Reader& in, const ImportOptions& opts) {
  // Check the changes before reading any input: a bad flag consumes and changes nothing.
  oci::Json container_config = oci::Json::object();
  for (const auto& c : opts.changes) TRY(oci::apply_change(container_config, c));

  auto ingest = TRY(Ingest::begin(store, "import"));
  StagedLayer layer = TRY_CTX(ingest.stage_layer([&](archive::Writer& blob, int diff_fd,
                                                     const archive::ExtractLimits& limits) {
    return archive::import_tar(in, opts.compression, blob, diff_fd, limits);
  }),
                              "import `{}`", printable(opts.source));
  std::string config = import_config(container_config, layer.info.diff_id, opts);
  LayerRecord record = internal::layer_record(layer, oci::media::oci_layer_type(opts.compression));
  std::string manifest = internal::describe_image(config, {record});
  StagedBlob config_blob = TRY(ingest.stage_bytes(config));
  StagedBlob manifest_blob = TRY(ingest.stage_bytes(manifest));
  TRY(ingest.place({&config_blob, &manifest_blob}, {&layer}));
  record.link = layer.link;

  NewImage img{manifest, config, {record}, {}};
  if (opts.tag) img.tags.push_back(*opts.tag);
  auto out = TRY(ingest.commit({img}));
  ingest.finish();
  return out.front();
}

}  // namespace strata::store
