// SPDX-License-Identifier: Apache-2.0
// libarchive plumbed to our streams: TarReader pulls from a Reader, TarWriter pushes to a
// Writer. Errors from the stream itself (a truncated gzip, a full disk) come back as
// they were, not as libarchive's paraphrase.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "archive/stream.h"

struct archive;
struct archive_entry;

namespace strata::archive {

// Data after the end-of-archive marker that TarReader reads (and so hashes) before it
// gives up: 1 MiB. Writers pad to a record (10240 bytes for GNU tar and Go, up to 64 KiB
// for some), and a stream is hashed to its end; anything longer is not padding.
inline constexpr uint64_t kMaxTrailingBytes = 1 << 20;

class TarReader {
 public:
  explicit TarReader(Reader& in);
  ~TarReader();
  TarReader(const TarReader&) = delete;
  TarReader& operator=(const TarReader&) = delete;

  // The next entry's header, or nullptr at the end of the archive. At the end the rest
  // of the stream is read (so that digests cover it) up to kMaxTrailingBytes: more is
  // kCorrupt ("`strata import /dev/zero`" ends there).
  Result<struct archive_entry*> next();
  // Reads the current entry's data.
  Result<size_t> read_data(std::span<uint8_t> buf);
  // A Reader over the current entry's data.
  Reader& data() { return data_; }
  // The error for a failed libarchive call: the stream's own error if it had one.
  Error fail(std::string_view what);
  struct archive* raw() {
    return a_;
  }
  uint64_t entries() const { return entries_; }

 private:
  class DataReader : public Reader {
   public:
    explicit DataReader(TarReader* t) : t_(t) {}
    Result<size_t> read(std::span<uint8_t> buf) override { return t_->read_data(buf); }

   private:
    TarReader* t_;
  };
  static long read_cb(struct archive* a, void* ud, const void** out);
  Result<void> read_trailing();

  Reader& in_;
  struct archive* a_;
  std::vector<uint8_t> buf_;
  std::optional<Error> err_;
  bool opened_ = false;
  bool at_end_ = false;
  uint64_t entries_ = 0;
  DataReader data_{this};
};

class TarWriter {
 public:
  // Full PAX, 512-byte blocks, no padding past the end-of-archive marker.
  explicit TarWriter(Writer& out);
  ~TarWriter();
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  Result<void> write_header(struct archive_entry* e);
  Result<void> write_data(std::span<const uint8_t> data);
  // Adds a regular file with the given content (mode 0644, mtime `mtime`).
  Result<void> add_file(const std::string& path, std::string_view content, int64_t mtime = 0);
  Result<void> add_dir(const std::string& path, int64_t mtime = 0);
  // Writes the end-of-archive marker.
  Result<void> close();
  Error fail(std::string_view what);

 private:
  static long write_cb(struct archive* a, void* ud, const void* buf, size_t n);
  Writer& out_;
  struct archive* a_;
  std::optional<Error> err_;
  bool open_ = false;
};

}  // namespace strata::archive
