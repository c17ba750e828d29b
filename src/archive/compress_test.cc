// SPDX-License-Identifier: Apache-2.0
#include "archive/compress.h"

#include <gtest/gtest.h>

#include <random>

#include "testutil/testutil.h"

namespace strata::archive {
namespace {

std::string sample(size_t n) {
  std::mt19937 rng(42);
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i % 7 == 0 ? rng() : 'a' + i % 13);
  return s;
}

std::string compress(Compression c, const std::string& data, unsigned threads = 0) {
  StringWriter out;
  auto w = ASSERT_OK_AND_GET(make_compressor(c, out, -1, threads));
  // Odd-sized writes exercise chunk boundaries.
  for (size_t off = 0; off < data.size(); off += 77777) {
    size_t n = std::min<size_t>(77777, data.size() - off);
    EXPECT_OK(w->write({reinterpret_cast<const uint8_t*>(data.data()) + off, n}));
  }
  EXPECT_OK(w->close());
  return out.out;
}

Result<std::string> decompress(const std::string& blob) {
  StringReader in(blob);
  auto r = TRY(DecompressReader::open(in));
  StringWriter out;
  TRY(copy(*r, out));
  return out.out;
}

class CompressTest : public ::testing::TestWithParam<Compression> {};

TEST_P(CompressTest, RoundTripsAcrossChunks) {
  std::string data = sample(3 * kGzipChunkBytes + 12345);
  std::string blob = compress(GetParam(), data);
  StringReader in(blob);
  auto r = ASSERT_OK_AND_GET(DecompressReader::open(in));
  EXPECT_EQ(r->compression(), GetParam());
  EXPECT_EQ(ASSERT_OK_AND_GET(decompress(blob)), data);
}

TEST_P(CompressTest, EmptyStreamRoundTrips) {
  EXPECT_EQ(ASSERT_OK_AND_GET(decompress(compress(GetParam(), ""))), "");
}

TEST_P(CompressTest, TruncatedStreamIsCorrupt) {
  if (GetParam() == Compression::kNone) GTEST_SKIP() << "a plain stream has no end marker";
  std::string blob = compress(GetParam(), sample(200000));
  auto r = decompress(blob.substr(0, blob.size() / 2));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kCorrupt);
  EXPECT_NE(r.error().message().find("truncated"), std::string::npos) << r.error().message();
}

INSTANTIATE_TEST_SUITE_P(Codecs, CompressTest,
                         ::testing::Values(Compression::kNone, Compression::kGzip,
                                           Compression::kZstd));

TEST(GzipTest, OutputDoesNotDependOnThreadCount) {
  std::string data = sample(5 * kGzipChunkBytes);
  EXPECT_EQ(compress(Compression::kGzip, data, 1), compress(Compression::kGzip, data, 4));
}

TEST(GzipTest, CorruptBodyIsCorrupt) {
  std::string blob = compress(Compression::kGzip, sample(100000));
  for (size_t i = 20; i < 60; ++i) blob[i] = static_cast<char>(~blob[i]);
  auto r = decompress(blob);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kCorrupt);
  EXPECT_NE(r.error().message().find("gzip stream"), std::string::npos);
}

TEST(GzipTest, TrailingGarbageIsCorrupt) {
  auto r = decompress(compress(Compression::kGzip, "abc") + "garbage");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("trailing data"), std::string::npos);
}

}  // namespace
}  // namespace strata::archive
