// SPDX-License-Identifier: Apache-2.0
// Pull readers and push writers: the plumbing every layer passes through once. A chain
// such as file -> HashingReader -> DecompressReader -> HashingReader -> tar extraction
// computes the blob digest and the diff ID in the same pass as the unpack.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "oci/digest.h"
#include "util/result.h"
#include "util/unique_fd.h"

namespace strata::archive {

class Reader {
 public:
  virtual ~Reader() = default;
  // Reads up to buf.size() bytes; 0 means end of stream.
  virtual Result<size_t> read(std::span<uint8_t> buf) = 0;
};

class Writer {
 public:
  virtual ~Writer() = default;
  virtual Result<void> write(std::span<const uint8_t> data) = 0;
  // Flushes what is buffered; the writer may not be written again after.
  virtual Result<void> close() { return {}; }
};

// What a DigestingWriter was given, once closed.
struct WrittenDigest {
  oci::Digest digest;
  uint64_t bytes = 0;
};

// A Writer that hashes (SHA-256) everything it is given, as the store's content writer
// does: a layer pipeline copying a blob into one takes its digest instead of hashing the
// same bytes a second time.
class DigestingWriter : public Writer {
 public:
  // Closes the writer (as close()) and tells the digest and size of all it was given.
  // May be called more than once.
  virtual Result<WrittenDigest> close_digest() = 0;
};

// Reads until the stream ends; used to drain what a consumer left unread.
Result<uint64_t> drain(Reader& r);
// Copies everything from r to w (does not close w).
Result<uint64_t> copy(Reader& r, Writer& w);

class FdReader : public Reader {
 public:
  // `name` is used in error messages ("read `name`").
  FdReader(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  Result<size_t> read(std::span<uint8_t> buf) override;

 private:
  int fd_;
  std::string name_;
};

class FdWriter : public Writer {
 public:
  FdWriter(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  Result<void> write(std::span<const uint8_t> data) override;

 private:
  int fd_;
  std::string name_;
};

class StringWriter : public Writer {
 public:
  Result<void> write(std::span<const uint8_t> data) override {
    out.append(reinterpret_cast<const char*>(data.data()), data.size());
    return {};
  }
  std::string out;
};

class StringReader : public Reader {
 public:
  explicit StringReader(std::string data) : data_(std::move(data)) {}
  Result<size_t> read(std::span<uint8_t> buf) override;

 private:
  std::string data_;
  size_t pos_ = 0;
};

// Passes bytes through from `src`, hashing them (unless hash is false: then it only
// counts), and copying them to `tee` if set.
class HashingReader : public Reader {
 public:
  explicit HashingReader(Reader& src, Writer* tee = nullptr, bool hash = true)
      : src_(src), tee_(tee), hash_on_(hash) {}
  Result<size_t> read(std::span<uint8_t> buf) override;
  oci::Digest digest() { return hash_.finish(); }
  uint64_t bytes() const { return bytes_; }

 private:
  Reader& src_;
  Writer* tee_;
  bool hash_on_;
  uint64_t bytes_ = 0;
  oci::Sha256 hash_;
};

// Hashes what is written and passes it on to `dst` (if set).
class HashingWriter : public Writer {
 public:
  explicit HashingWriter(Writer* dst) : dst_(dst) {}
  Result<void> write(std::span<const uint8_t> data) override;
  Result<void> close() override { return dst_ ? dst_->close() : Result<void>(); }
  oci::Digest digest() { return hash_.finish(); }
  uint64_t bytes() const { return hash_.bytes(); }

 private:
  Writer* dst_;
  oci::Sha256 hash_;
};

}  // namespace strata::archive
