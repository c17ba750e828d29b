// SPDX-License-Identifier: Apache-2.0
#include "archive/stream.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace strata::archive {

Result<uint64_t> drain(Reader& r) {
  std::vector<uint8_t> buf(1 << 16);
  uint64_t total = 0;
  while (true) {
    size_t n = TRY(r.read(buf));
    if (n == 0) return total;
    total += n;
  }
}

Result<uint64_t> copy(Reader& r, Writer& w) {
  std::vector<uint8_t> buf(1 << 20);
  uint64_t total = 0;
  while (true) {
    size_t n = TRY(r.read(buf));
    if (n == 0) return total;
    TRY(w.write({buf.data(), n}));
    total += n;
  }
}

Result<size_t> FdReader::read(std::span<uint8_t> buf) {
  while (true) {
    ssize_t n = ::read(fd_, buf.data(), buf.size());
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return Error::from_errno(errno, fmt::format("read `{}`", name_));
  }
}

Result<void> FdWriter::write(std::span<const uint8_t> data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd_, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::from_errno(errno, fmt::format("write `{}`", name_));
    }
    off += static_cast<size_t>(n);
  }
  return {};
}

Result<size_t> StringReader::read(std::span<uint8_t> buf) {
  size_t n = std::min(buf.size(), data_.size() - pos_);
  std::memcpy(buf.data(), data_.data() + pos_, n);
  pos_ += n;
  return n;
}

Result<size_t> HashingReader::read(std::span<uint8_t> buf) {
  size_t n = TRY(src_.read(buf));
  if (n > 0) {
    if (hash_on_) hash_.update(buf.data(), n);
    bytes_ += n;
    if (tee_ != nullptr) TRY(tee_->write({buf.data(), n}));
  }
  return n;
}

Result<void> HashingWriter::write(std::span<const uint8_t> data) {
  hash_.update(data.data(), data.size());
  if (dst_ != nullptr) TRY(dst_->write(data));
  return {};
}

}  // namespace strata::archive
