// SPDX-License-Identifier: Apache-2.0
#include "archive/read_ahead.h"

#include <gtest/gtest.h>

#include <cstring>

#include "testutil/testutil.h"

namespace strata::archive {
namespace {

// Yields `data` a few bytes at a time, then fails if `fail` is set.
class SlowSource : public Reader {
 public:
  SlowSource(std::string data, bool fail) : data_(std::move(data)), fail_(fail) {}
  Result<size_t> read(std::span<uint8_t> buf) override {
    if (pos_ == data_.size()) {
      if (fail_) return Error::make(Errc::kCorrupt, "source broke");
      return size_t{0};
    }
    size_t n = std::min({buf.size(), data_.size() - pos_, size_t{7}});
    std::memcpy(buf.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  size_t pos_ = 0;

 private:
  std::string data_;
  bool fail_;
};

std::string sample(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i * 131 % 251);
  return s;
}

TEST(ReadAheadTest, YieldsTheSourceInOrder) {
  std::string data = sample(100000);
  SlowSource src(data, false);
  ReadAhead ahead(src, 1000, 3);
  StringWriter out;
  EXPECT_EQ(ASSERT_OK_AND_GET(copy(ahead, out)), data.size());
  EXPECT_EQ(out.out, data);
}

TEST(ReadAheadTest, TheSourceErrorComesAfterItsData) {
  std::string data = sample(5000);
  SlowSource src(data, true);
  ReadAhead ahead(src, 1024, 2);
  std::string got;
  uint8_t buf[300];
  while (true) {
    auto n = ahead.read(buf);
    if (!n.ok()) {
      EXPECT_EQ(n.error().message(), "source broke");
      break;
    }
    ASSERT_GT(*n, 0u) << "ended without the error";
    got.append(reinterpret_cast<char*>(buf), *n);
  }
  EXPECT_EQ(got, data);
}

TEST(ReadAheadTest, StopsMidwayWithTheSourceBoundedAhead) {
  std::string data = sample(1 << 20);
  SlowSource src(data, false);
  {
    ReadAhead ahead(src, 1000, 2);
    uint8_t buf[10];
    ASSERT_OK(ahead.read(buf));
    ahead.stop();
    // At most the chunk being filled plus `depth` queued ones were read.
    EXPECT_LE(src.pos_, 4000u);
  }
}

}  // namespace
}  // namespace strata::archive
