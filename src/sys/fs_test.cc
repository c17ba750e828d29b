// SPDX-License-Identifier: Apache-2.0
#include "sys/fs.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "testutil/testutil.h"

namespace strata::sys {
namespace {

using strata::testing::TempDir;

TEST(FsTest, MkdirPMakesEveryMissingLevelAndToleratesSlashes) {
  TempDir t;
  ASSERT_OK(mkdir_p(t.sub("a/b//c/d/")));
  EXPECT_TRUE(exists(t.sub("a/b/c/d")));
  ASSERT_OK(mkdir_p(t.sub("a/b/c/d")));  // existing is fine
  ASSERT_OK(write_file_atomic(t.sub("a/file"), "x"));
  auto r = mkdir_p(t.sub("a/file/sub"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("a/file/sub"), std::string::npos);
}

TEST(FsTest, OpenInRootKeepsAbsoluteSymlinksInside) {
  TempDir t;
  ASSERT_OK(mkdir_p(t.sub("root/etc")));
  ASSERT_OK(write_file_atomic(t.sub("root/etc/passwd"), "inside"));
  ASSERT_EQ(::symlink("/etc", t.sub("root/link").c_str()), 0);
  auto root = ASSERT_OK_AND_GET(open_dir(t.sub("root")));
  auto fd = ASSERT_OK_AND_GET(open_in_root(root.get(), "link/passwd", O_RDONLY));
  char buf[16] = {};
  ASSERT_EQ(::read(fd.get(), buf, sizeof(buf)), 6);
  EXPECT_STREQ(buf, "inside");
}

TEST(FsTest, OpenInRootKeepsDotDotInside) {
  TempDir t;
  ASSERT_OK(mkdir_p(t.sub("root")));
  ASSERT_OK(write_file_atomic(t.sub("secret"), "outside"));
  auto root = ASSERT_OK_AND_GET(open_dir(t.sub("root")));
  auto fd = open_in_root(root.get(), "../secret", O_RDONLY);
  ASSERT_FALSE(fd.ok());
  EXPECT_EQ(fd.error().code(), Errc::kNotFound);
}

TEST(FsTest, WriteFileAtomicReplaces) {
  TempDir t;
  ASSERT_OK(write_file_atomic(t.sub("f"), "one"));
  ASSERT_OK(write_file_atomic(t.sub("f"), "two"));
  EXPECT_EQ(ASSERT_OK_AND_GET(read_file(t.sub("f"))), "two");
}

TEST(FsTest, RemoveAllDoesNotFollowSymlinks) {
  TempDir t;
  ASSERT_OK(mkdir_p(t.sub("keep")));
  ASSERT_OK(write_file_atomic(t.sub("keep/file"), "x"));
  ASSERT_OK(mkdir_p(t.sub("gone/sub")));
  ASSERT_EQ(::symlink(t.sub("keep").c_str(), t.sub("gone/sub/link").c_str()), 0);
  ASSERT_OK(remove_all(t.sub("gone")));
  EXPECT_FALSE(exists(t.sub("gone")));
  EXPECT_TRUE(exists(t.sub("keep/file")));
  EXPECT_OK(remove_all(t.sub("never-was")));
}

}  // namespace
}  // namespace strata::sys
