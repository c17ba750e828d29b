// SPDX-License-Identifier: Apache-2.0
#include "util/result.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <stdexcept>

namespace strata {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return Error::make(Errc::kInvalidArgument, fmt::format("{} is not positive", v));
  return v;
}

Result<int> doubled(int v) {
  int x = TRY_CTX(parse_positive(v), "doubling {}", v);
  return 2 * x;
}

TEST(ResultTest, RunGuardedTurnsLibraryExceptionsIntoErrors) {
  auto oom = run_guarded([]() -> Result<int> { throw std::bad_alloc(); });
  ASSERT_FALSE(oom.ok());
  EXPECT_EQ(oom.error().message(), "out of memory");
  auto range = run_guarded([]() -> Result<int> { throw std::out_of_range("stoul"); });
  ASSERT_FALSE(range.ok());
  EXPECT_EQ(range.error().message(), "internal error: stoul");
  auto seven = run_guarded([]() -> Result<int> { return 7; });
  ASSERT_TRUE(seven.ok());
  EXPECT_EQ(*seven, 7);
}

TEST(ResultTest, TryPassesValues) {
  auto r = doubled(4);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 8);
}

TEST(ResultTest, ContextChainsOuterToInner) {
  auto r = doubled(-1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "doubling -1: -1 is not positive");
  EXPECT_EQ(r.error().code(), Errc::kInvalidArgument);
}

TEST(ResultTest, ErrnoTextComesOnceAtTheEnd) {
  Error e = Error::from_errno(ENOENT, "open `x`").context("load config");
  EXPECT_EQ(e.message(), "load config: open `x`: No such file or directory");
  EXPECT_EQ(e.code(), Errc::kNotFound);
  EXPECT_EQ(e.sys_errno(), ENOENT);
}

TEST(ResultTest, VoidResult) {
  Result<void> ok;
  EXPECT_TRUE(ok.ok());
  Result<void> bad = Error::make(Errc::kCorrupt, "x");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), Errc::kCorrupt);
}

TEST(ResultTest, NoSpaceIsItsOwnCode) {
  EXPECT_EQ(Error::from_errno(ENOSPC, "write").code(), Errc::kNoSpace);
}

}  // namespace
}  // namespace strata
