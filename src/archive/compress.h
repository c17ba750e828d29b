// SPDX-License-Identifier: Apache-2.0
// Compression for layer blobs. gzip is written as a series of independent gzip members
// of kGzipChunkBytes input each, compressed in parallel with libdeflate (as pigz does,
// but with fixed chunk boundaries, so the output does not depend on the thread count).
// Every gzip reader (Go's, zlib's gunzip, GNU gzip) reads multi-member streams.
#pragma once

#include <memory>

#include "archive/stream.h"
#include "oci/media_types.h"

namespace strata::archive {

using oci::media::Compression;

inline constexpr size_t kGzipChunkBytes = 1 << 20;

// Looks at the first bytes of a blob: gzip, zstd or (anything else) none.
Compression detect_compression(std::span<const uint8_t> head);
std::string_view compression_name(Compression c);
// "gzip", "zstd", "none" -> Compression; false otherwise.
bool parse_compression(std::string_view name, Compression* out);

// A reader that detects the compression of `src` from its first bytes and yields the
// decompressed stream. Truncated or corrupt input is kCorrupt naming the codec.
class DecompressReader : public Reader {
 public:
  static Result<std::unique_ptr<DecompressReader>> open(Reader& src);
  virtual Compression compression() const = 0;
};

// Compresses what is written into `dst`; close() must be called to finish the stream.
// threads == 0 means one per online CPU.
Result<std::unique_ptr<Writer>> make_compressor(Compression c, Writer& dst, int level = -1,
                                                unsigned threads = 0);

}  // namespace strata::archive
