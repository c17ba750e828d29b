// SPDX-License-Identifier: Apache-2.0
// One-pass layer pipelines: every byte is read once, and the blob digest (compressed),
// the diff ID (uncompressed tar) and the unpacked tree all come out of that one pass.
#pragma once

#include "archive/compress.h"
#include "archive/tar.h"

namespace strata::archive {

struct LayerInfo {
  oci::Digest blob_digest;
  uint64_t blob_size = 0;
  oci::Digest diff_id;
  uint64_t diff_size = 0;
  uint64_t file_bytes = 0;  // bytes of regular-file data in the tree (Docker's layer size)
  Compression compression = Compression::kNone;
};

// Reads a layer blob (gzip, zstd or plain tar, detected), copies its raw bytes to
// blob_copy if given, and unpacks it into dest_fd within `limits` (tar.h).
Result<LayerInfo> unpack_layer_blob(Reader& blob, Writer* blob_copy, int dest_fd,
                                    const ExtractLimits& limits = {});

// Reads a tar (gzip, zstd or plain, detected) and makes it a layer: the tar stream as
// read is recompressed with `c` into blob_out and unpacked into dest_fd within `limits`.
Result<LayerInfo> import_tar(Reader& in, Compression c, Writer& blob_out, int dest_fd,
                             const ExtractLimits& limits = {});

// Packs dir_fd (an overlay upper or any tree) into a layer blob compressed with `c`,
// leaving out what `skip` names (tar.h pack_dir).
Result<LayerInfo> pack_layer(int dir_fd, Compression c, Writer& blob_out,
                             const PackFilter& skip = {});

}  // namespace strata::archive
