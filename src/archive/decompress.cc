// SPDX-License-Identifier: Apache-2.0
// Streaming decompression: ISA-L's igzip for gzip (multi-member; 2-3x zlib's inflate),
// libzstd for zstd.
#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include <cstring>
#include <memory>
#include <vector>

#include "archive/compress.h"

namespace strata::archive {

namespace {

constexpr size_t kInBuf = 1 << 18;

Error corrupt(std::string_view codec, std::string_view why) {
  return Error::make(Errc::kCorrupt, fmt::format("{} stream: {}", codec, why));
}

// Holds the source and the bytes read from it but not consumed yet.
class InputBuffer {
 public:
  explicit InputBuffer(Reader& src) : src_(src), buf_(kInBuf) {}
  // Refills when empty; returns false at end of stream.
  Result<bool> fill() {
    if (pos_ < len_) return true;
    len_ = TRY(src_.read(buf_));
    pos_ = 0;
    return len_ > 0;
  }
  uint8_t* data() { return buf_.data() + pos_; }
  size_t size() const { return len_ - pos_; }
  void consume(size_t n) { pos_ += n; }
  void prime(size_t n) { len_ = n, pos_ = 0; }
  std::span<uint8_t> raw() { return buf_; }

 private:
  Reader& src_;
  std::vector<uint8_t> buf_;
  size_t pos_ = 0, len_ = 0;
};

class PlainReader : public DecompressReader {
 public:
  explicit PlainReader(Reader& src) : in_(src) {}
  InputBuffer& in() { return in_; }
  Compression compression() const override { return Compression::kNone; }
  Result<size_t> read(std::span<uint8_t> buf) override {
    if (!TRY(in_.fill())) return size_t{0};
    size_t n = std::min(buf.size(), in_.size());
    std::memcpy(buf.data(), in_.data(), n);
    in_.consume(n);
    return n;
  }

 private:
  InputBuffer in_;
};

const char* isal_error(int rc) {
  switch (rc) {
    case ISAL_INVALID_BLOCK:
      return "invalid block";
    case ISAL_INVALID_SYMBOL:
      return "invalid code";
    case ISAL_INVALID_LOOKBACK:
      return "invalid distance too far back";
    case ISAL_INVALID_WRAPPER:
      return "invalid gzip header";
    case ISAL_UNSUPPORTED_METHOD:
      return "unknown compression method";
    case ISAL_INCORRECT_CHECKSUM:
      return "incorrect data check";
    default:
      return "invalid data";
  }
}

// Each member's header and trailer (CRC-32 and length) are checked by ISA-L itself
// (ISAL_GZIP); members follow one another until the input ends.
class GzipReader : public DecompressReader {
 public:
  explicit GzipReader(Reader& src) : in_(src), st_(std::make_unique<inflate_state>()) {}
  InputBuffer& in() { return in_; }
  Compression compression() const override { return Compression::kGzip; }

  Result<size_t> read(std::span<uint8_t> buf) override {
    if (done_) return size_t{0};
    uint32_t want = static_cast<uint32_t>(std::min<size_t>(buf.size(), 1u << 30));
    st_->next_out = buf.data();
    st_->avail_out = want;
    while (st_->avail_out == want) {
      bool more = TRY(in_.fill());
      if (!more) {
        if (in_member_) return corrupt("gzip", "unexpected end of data (truncated)");
        done_ = true;
        break;
      }
      if (!in_member_) {
        // A new member must start with the gzip magic; anything else is trailing garbage.
        if (in_.data()[0] != 0x1f) return corrupt("gzip", "trailing data after the last member");
        isal_inflate_reset(st_.get());
        st_->crc_flag = ISAL_GZIP;
        in_member_ = true;
      }
      st_->next_in = in_.data();
      st_->avail_in = static_cast<uint32_t>(in_.size());
      int rc = isal_inflate(st_.get());
      in_.consume(in_.size() - st_->avail_in);
      if (rc < 0) return corrupt("gzip", isal_error(rc));
      if (st_->block_state == ISAL_BLOCK_FINISH) in_member_ = false;
    }
    return want - st_->avail_out;
  }

 private:
  InputBuffer in_;
  std::unique_ptr<inflate_state> st_;  // 40 KiB of tables
  bool in_member_ = false;
  bool done_ = false;
};

class ZstdReader : public DecompressReader {
 public:
  explicit ZstdReader(Reader& src) : in_(src), ds_(ZSTD_createDStream()) {
    STRATA_CHECK(ds_ != nullptr);
  }
  ~ZstdReader() override { ZSTD_freeDStream(ds_); }
  InputBuffer& in() { return in_; }
  Compression compression() const override { return Compression::kZstd; }

  Result<size_t> read(std::span<uint8_t> buf) override {
    ZSTD_outBuffer out = {buf.data(), buf.size(), 0};
    while (out.pos == 0) {
      bool more = TRY(in_.fill());
      if (!more) {
        if (frame_open_) return corrupt("zstd", "unexpected end of data (truncated)");
        return size_t{0};
      }
      ZSTD_inBuffer in = {in_.data(), in_.size(), 0};
      size_t rc = ZSTD_decompressStream(ds_, &out, &in);
      in_.consume(in.pos);
      if (ZSTD_isError(rc)) return corrupt("zstd", ZSTD_getErrorName(rc));
      frame_open_ = rc != 0;
    }
    return out.pos;
  }

 private:
  InputBuffer in_;
  ZSTD_DStream* ds_;
  bool frame_open_ = false;
};

template <typename R>
Result<std::unique_ptr<DecompressReader>> primed(Reader& src, std::span<const uint8_t> head) {
  auto r = std::make_unique<R>(src);
  std::memcpy(r->in().raw().data(), head.data(), head.size());
  r->in().prime(head.size());
  return std::unique_ptr<DecompressReader>(std::move(r));
}

}  // namespace

Compression detect_compression(std::span<const uint8_t> h) {
  if (h.size() >= 2 && h[0] == 0x1f && h[1] == 0x8b) return Compression::kGzip;
  if (h.size() >= 4 && h[0] == 0x28 && h[1] == 0xb5 && h[2] == 0x2f && h[3] == 0xfd)
    return Compression::kZstd;
  return Compression::kNone;
}

std::string_view compression_name(Compression c) {
  switch (c) {
    case Compression::kGzip:
      return "gzip";
    case Compression::kZstd:
      return "zstd";
    case Compression::kNone:
      return "none";
  }
  return "none";
}

bool parse_compression(std::string_view name, Compression* out) {
  for (auto c : {Compression::kGzip, Compression::kZstd, Compression::kNone}) {
    if (name == compression_name(c)) {
      *out = c;
      return true;
    }
  }
  return false;
}

Result<std::unique_ptr<DecompressReader>> DecompressReader::open(Reader& src) {
  // Read enough to see a magic number (short reads are possible on pipes).
  uint8_t head[4];
  size_t have = 0;
  while (have < sizeof(head)) {
    size_t n = TRY(src.read({head + have, sizeof(head) - have}));
    if (n == 0) break;
    have += n;
  }
  std::span<const uint8_t> h(head, have);
  switch (detect_compression(h)) {
    case Compression::kGzip:
      return primed<GzipReader>(src, h);
    case Compression::kZstd:
      return primed<ZstdReader>(src, h);
    case Compression::kNone:
      break;
  }
  return primed<PlainReader>(src, h);
}

}  // namespace strata::archive
