// SPDX-License-Identifier: Apache-2.0
#include "archive/tar_io.h"

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>

#include "util/strings.h"

namespace strata::archive {

TarReader::TarReader(Reader& in) : in_(in), a_(archive_read_new()), buf_(1 << 18) {
  STRATA_CHECK(a_ != nullptr);
  archive_read_support_format_tar(a_);
  archive_read_support_format_empty(a_);
}

TarReader::~TarReader() { archive_read_free(a_); }

long TarReader::read_cb(struct archive* a, void* ud, const void** out) {
  auto* t = static_cast<TarReader*>(ud);
  auto n = t->in_.read(t->buf_);
  if (!n.ok()) {
    t->err_ = std::move(n).error();
    archive_set_error(a, EIO, "source read failed");
    return -1;
  }
  *out = t->buf_.data();
  return static_cast<long>(*n);
}

Error TarReader::fail(std::string_view what) {
  if (err_) return std::move(*std::exchange(err_, std::nullopt));
  const char* msg = archive_error_string(a_);
  return Error::make(Errc::kCorrupt,
                     fmt::format("{}: {}", what, msg ? printable(msg) : "corrupt tar"));
}

Result<struct archive_entry*> TarReader::next() {
  if (!opened_) {
    if (archive_read_open(a_, this, nullptr, read_cb, nullptr) != ARCHIVE_OK) return fail("tar");
    opened_ = true;
  }
  struct archive_entry* e = nullptr;
  if (at_end_) return e;
  int rc = archive_read_next_header(a_, &e);
  if (rc == ARCHIVE_EOF) {
    at_end_ = true;
    TRY(read_trailing());
    return static_cast<struct archive_entry*>(nullptr);
  }
  if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
    return fail(fmt::format("tar header after {} entries", entries_));
  ++entries_;
  return e;
}

Result<void> TarReader::read_trailing() {
  uint64_t total = 0;
  while (size_t n = TRY(in_.read(buf_))) {
    total += n;
    if (total > kMaxTrailingBytes)
      return Error::make(Errc::kCorrupt,
                         fmt::format("tar: more than {} bytes of data after the end-of-archive "
                                     "marker (after {} entries)",
                                     kMaxTrailingBytes, entries_));
  }
  return {};
}

Result<size_t> TarReader::read_data(std::span<uint8_t> buf) {
  la_ssize_t n = archive_read_data(a_, buf.data(), buf.size());
  if (n < 0) return fail("tar data");
  return static_cast<size_t>(n);
}

TarWriter::TarWriter(Writer& out) : out_(out), a_(archive_write_new()) {
  STRATA_CHECK(a_ != nullptr);
  // Full PAX: nanosecond times and xattrs always travel (restricted PAX drops sub-second
  // times when nothing else needs an extended header).
  archive_write_set_format_pax(a_);
  archive_write_set_bytes_per_block(a_, 512);
  archive_write_set_bytes_in_last_block(a_, 1);
}

TarWriter::~TarWriter() { archive_write_free(a_); }

long TarWriter::write_cb(struct archive* a, void* ud, const void* buf, size_t n) {
  auto* t = static_cast<TarWriter*>(ud);
  auto r = t->out_.write({static_cast<const uint8_t*>(buf), n});
  if (!r.ok()) {
    t->err_ = std::move(r).error();
    archive_set_error(a, EIO, "sink write failed");
    return -1;
  }
  return static_cast<long>(n);
}

Error TarWriter::fail(std::string_view what) {
  if (err_) return std::move(*std::exchange(err_, std::nullopt));
  const char* msg = archive_error_string(a_);
  return Error::make(Errc::kInternal, fmt::format("{}: {}", what, msg ? printable(msg) : "error"));
}

Result<void> TarWriter::write_header(struct archive_entry* e) {
  if (!open_) {
    if (archive_write_open(a_, this, nullptr, write_cb, nullptr) != ARCHIVE_OK)
      return fail("tar writer");
    open_ = true;
  }
  if (archive_write_header(a_, e) != ARCHIVE_OK) {
    const char* path = archive_entry_pathname(e);
    return fail(fmt::format("tar header `{}`", printable(path ? path : "")));
  }
  return {};
}

Result<void> TarWriter::write_data(std::span<const uint8_t> data) {
  if (archive_write_data(a_, data.data(), data.size()) < 0) return fail("tar data");
  return {};
}

Result<void> TarWriter::add_file(const std::string& path, std::string_view content, int64_t mtime) {
  struct archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, path.c_str());
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
  archive_entry_set_mtime(e, mtime, 0);
  auto r = write_header(e);
  archive_entry_free(e);
  TRY(std::move(r));
  return write_data({reinterpret_cast<const uint8_t*>(content.data()), content.size()});
}

Result<void> TarWriter::add_dir(const std::string& path, int64_t mtime) {
  struct archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, path.c_str());
  archive_entry_set_filetype(e, AE_IFDIR);
  archive_entry_set_perm(e, 0755);
  archive_entry_set_mtime(e, mtime, 0);
  auto r = write_header(e);
  archive_entry_free(e);
  return r;
}

Result<void> TarWriter::close() {
  if (!open_ && archive_write_open(a_, this, nullptr, write_cb, nullptr) != ARCHIVE_OK)
    return fail("tar writer");
  open_ = true;
  if (archive_write_close(a_) != ARCHIVE_OK) return fail("tar close");
  return {};
}

}  // namespace strata::archive
