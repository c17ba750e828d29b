// SPDX-License-Identifier: Apache-2.0
#include "archive/layer.h"

#include "archive/read_ahead.h"

namespace strata::archive {

namespace {

// Extracts the tar that `src` yields with `src` read on a second thread: the source's
// work (reading, hashing, decompressing, recompressing, the blob copy) runs on one core
// while extraction runs on the other. `src` is the caller's again on return.
Result<ExtractStats> extract_overlapped(Reader& src, int dest_fd, const ExtractLimits& limits) {
  ReadAhead ahead(src);
  auto stats = extract_tar(ahead, dest_fd, limits);
  ahead.stop();
  return stats;
}

}  // namespace

Result<LayerInfo> unpack_layer_blob(Reader& blob, Writer* blob_copy, int dest_fd,
                                    const ExtractLimits& limits) {
  // A copy that hashes what it is given spares hashing the blob twice.
  auto* digesting = dynamic_cast<DigestingWriter*>(blob_copy);
  HashingReader raw(blob, blob_copy, digesting == nullptr);
  auto tar = TRY(DecompressReader::open(raw));
  // An uncompressed blob is its own tar: one hash serves as blob digest and diff ID.
  bool plain = tar->compression() == Compression::kNone;
  HashingReader diff(*tar, nullptr, !plain);
  ExtractStats stats = TRY(extract_overlapped(diff, dest_fd, limits));
  // extract_tar read the tar to its end (and a bounded tail after it); the blob may
  // still hold the end of a compressed stream.
  TRY(drain(diff));
  TRY(drain(raw));
  LayerInfo info;
  info.file_bytes = stats.file_bytes;
  info.compression = tar->compression();
  info.blob_size = raw.bytes();
  if (digesting != nullptr) {
    WrittenDigest copied = TRY(digesting->close_digest());
    if (copied.bytes != raw.bytes())
      return Error::make(Errc::kInternal, fmt::format("layer blob copy took {} of {} bytes",
                                                      copied.bytes, raw.bytes()));
    info.blob_digest = copied.digest;
  } else {
    info.blob_digest = raw.digest();
  }
  info.diff_size = diff.bytes();
  info.diff_id = plain ? info.blob_digest : diff.digest();
  return info;
}

Result<LayerInfo> import_tar(Reader& in, Compression c, Writer& blob_out, int dest_fd,
                             const ExtractLimits& limits) {
  auto tar = TRY(DecompressReader::open(in));
  // The blob is hashed here unless blob_out hashes what it is given itself.
  auto* digesting = dynamic_cast<DigestingWriter*>(&blob_out);
  HashingWriter blob_hash(&blob_out);
  Writer& blob = digesting != nullptr ? blob_out : blob_hash;
  auto compressor = TRY(make_compressor(c, blob));
  HashingReader diff(*tar, compressor.get());
  ExtractStats stats = TRY(extract_overlapped(diff, dest_fd, limits));
  TRY(drain(diff));
  TRY(compressor->close());
  LayerInfo info;
  info.file_bytes = stats.file_bytes;
  info.compression = c;
  info.diff_size = diff.bytes();
  info.diff_id = diff.digest();
  if (digesting != nullptr) {
    WrittenDigest written = TRY(digesting->close_digest());
    info.blob_size = written.bytes;
    info.blob_digest = written.digest;
  } else {
    info.blob_size = blob_hash.bytes();
    info.blob_digest = blob_hash.digest();
  }
  return info;
}

Result<LayerInfo> pack_layer(int dir_fd, Compression c, Writer& blob_out, const PackFilter& skip) {
  HashingWriter blob_hash(&blob_out);
  auto compressor = TRY(make_compressor(c, blob_hash));
  HashingWriter diff(compressor.get());
  TRY(pack_dir(dir_fd, diff, skip));
  TRY(compressor->close());
  LayerInfo info;
  info.compression = c;
  info.diff_size = diff.bytes();
  info.diff_id = diff.digest();
  info.blob_size = blob_hash.bytes();
  info.blob_digest = blob_hash.digest();
  return info;
}

}  // namespace strata::archive
