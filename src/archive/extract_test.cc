// SPDX-License-Identifier: Apache-2.0
// Extraction rules: hostile entries are refused or contained, whiteouts are converted.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "archive/tar.h"
#include "archive/testing/tar_builder.h"
#include "sys/fs.h"
#include "testutil/testutil.h"

namespace strata::archive {
namespace {

using strata::archive::testing::TarBuilder;
using strata::testing::TempDir;

class ExtractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(sys::mkdir_p(t_.sub("dest")));
    ASSERT_OK(sys::mkdir_p(t_.sub("outside")));
    ASSERT_OK(sys::write_file_atomic(t_.sub("outside/secret"), "keep"));
  }
  Result<ExtractStats> extract(const std::string& tar) {
    auto dest = TRY(sys::open_dir(t_.sub("dest")));
    StringReader in(tar);
    return extract_tar(in, dest.get());
  }
  void expect_outside_untouched() {
    EXPECT_EQ(ASSERT_OK_AND_GET(sys::read_file(t_.sub("outside/secret"))), "keep");
    struct stat st;
    ASSERT_EQ(::stat(t_.sub("outside/secret").c_str(), &st), 0);
    EXPECT_EQ(st.st_nlink, 1u);
    EXPECT_FALSE(sys::exists(t_.sub("evil")));
    EXPECT_FALSE(sys::exists(t_.sub("outside/evil")));
  }
  TempDir t_;
};

TEST(CleanEntryPathTest, Cases) {
  EXPECT_EQ(clean_entry_path("./etc/passwd").value(), "etc/passwd");
  EXPECT_EQ(clean_entry_path("etc//x/./y/").value(), "etc/x/y");
  EXPECT_EQ(clean_entry_path("./").value(), "");
  EXPECT_EQ(clean_entry_path("/etc/passwd").error().message(),
            "tar entry `/etc/passwd`: absolute path");
  EXPECT_EQ(clean_entry_path("a/../../b").error().message(),
            "tar entry `a/../../b`: \"..\" escapes the layer");
}

TEST_F(ExtractTest, WritesFilesDirsAndSymlinks) {
  auto stats = extract(TarBuilder()
                           .dir("etc")
                           .file("etc/hostname", "box\n", 0600)
                           .file("deep/implicit/dir/file", "x")
                           .symlink("bin/sh", "busybox")
                           .finish());
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ(stats->entries, 4u);
  EXPECT_EQ(ASSERT_OK_AND_GET(sys::read_file(t_.sub("dest/etc/hostname"))), "box\n");
  EXPECT_TRUE(sys::exists(t_.sub("dest/deep/implicit/dir/file")));
  char buf[32] = {};
  ASSERT_GT(::readlink(t_.sub("dest/bin/sh").c_str(), buf, sizeof(buf)), 0);
  EXPECT_STREQ(buf, "busybox");
}

TEST_F(ExtractTest, RefusesDotDot) {
  auto r = extract(TarBuilder().file("../evil", "x").finish());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kInvalidArgument);
  EXPECT_NE(r.error().message().find("escapes the layer"), std::string::npos);
  expect_outside_untouched();
}

TEST_F(ExtractTest, RefusesAbsolutePaths) {
  std::string evil = t_.sub("evil");
  auto r = extract(TarBuilder().file(evil, "x").finish());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("absolute path"), std::string::npos);
  expect_outside_untouched();
}

TEST_F(ExtractTest, WriteThroughAbsoluteSymlinkStaysInside) {
  auto r = extract(TarBuilder().symlink("link", "/").file("link/evil", "x").finish());
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(sys::exists(t_.sub("dest/evil")));
  expect_outside_untouched();
}

TEST_F(ExtractTest, WriteThroughSymlinkToHostPathIsRefused) {
  // The link names a host directory; inside the layer that path does not exist.
  auto r = extract(TarBuilder().symlink("link", t_.sub("outside")).file("link/evil", "x").finish());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kNotFound);
  expect_outside_untouched();
}

TEST_F(ExtractTest, WriteThroughRelativeEscapingSymlinkStaysInside) {
  auto r = extract(TarBuilder().symlink("up", "../../../../..").file("up/evil", "x").finish());
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(sys::exists(t_.sub("dest/evil")));
  expect_outside_untouched();
}

TEST_F(ExtractTest, OverwritingASymlinkReplacesTheLinkNotItsTarget) {
  auto r = extract(TarBuilder().symlink("s", t_.sub("outside/secret")).file("s", "new").finish());
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(ASSERT_OK_AND_GET(sys::read_file(t_.sub("dest/s"))), "new");
  expect_outside_untouched();
}

TEST_F(ExtractTest, HardLinkOutsideIsRefused) {
  auto r = extract(TarBuilder().hardlink("h", "../outside/secret").finish());
  ASSERT_FALSE(r.ok());
  expect_outside_untouched();
}

TEST_F(ExtractTest, HardLinkThroughSymlinkIsContained) {
  auto r = extract(
      TarBuilder().symlink("link", t_.sub("outside")).hardlink("h", "link/secret").finish());
  ASSERT_FALSE(r.ok());  // resolves to dest/<outside>/secret, which does not exist
  EXPECT_EQ(r.error().code(), Errc::kNotFound);
  expect_outside_untouched();
}

TEST_F(ExtractTest, HardLinkInsideWorks) {
  ASSERT_OK(extract(TarBuilder().file("a", "data").hardlink("b", "a").finish()));
  struct stat a, b;
  ASSERT_EQ(::stat(t_.sub("dest/a").c_str(), &a), 0);
  ASSERT_EQ(::stat(t_.sub("dest/b").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
}

TEST_F(ExtractTest, WhiteoutThroughSymlinkStaysInside) {
  if (!strata::testing::is_root()) GTEST_SKIP() << "mknod needs root";
  auto r =
      extract(TarBuilder().symlink("link", t_.sub("outside")).file("link/.wh.secret", "").finish());
  EXPECT_FALSE(r.ok());
  expect_outside_untouched();
  ASSERT_OK(extract(TarBuilder().symlink("root", "/").file("root/.wh.secret", "").finish()));
  struct stat st;
  ASSERT_EQ(::lstat(t_.sub("dest/secret").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  expect_outside_untouched();
}

TEST_F(ExtractTest, WhiteoutsBecomeOverlayWhiteouts) {
  if (!strata::testing::is_root()) GTEST_SKIP() << "mknod and trusted xattrs need root";
  ASSERT_OK(extract(TarBuilder()
                        .dir("etc")
                        .file("etc/.wh.passwd", "")
                        .dir("opt")
                        .file("opt/.wh..wh..opq", "")
                        .file("opt/new", "n")
                        .file(".wh..wh.plnk", "")
                        .finish()));
  struct stat st;
  ASSERT_EQ(::lstat(t_.sub("dest/etc/passwd").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  char v = 0;
  EXPECT_EQ(::lgetxattr(t_.sub("dest/opt").c_str(), kOverlayOpaqueXattr, &v, 1), 1);
  EXPECT_EQ(v, 'y');
  EXPECT_FALSE(sys::exists(t_.sub("dest/.wh..wh.plnk")));
}

TEST_F(ExtractTest, WhiteoutWithEmptyNameIsRefused) {
  auto r = extract(TarBuilder().file("dir/.wh.", "").finish());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("bad name"), std::string::npos);
}

TEST_F(ExtractTest, CorruptTarIsCorrupt) {
  std::string tar = TarBuilder().file("a", std::string(2000, 'x')).finish();
  tar[100] ^= 0x55;  // inside the first header: the checksum no longer matches
  auto r = extract(tar);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kCorrupt);
  EXPECT_TRUE(r.error().message().starts_with("tar")) << r.error().message();
}

TEST_F(ExtractTest, GarbageIsCorrupt) {
  auto r = extract(std::string(4096, 'z'));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kCorrupt);
}

TEST_F(ExtractTest, DirectoryReplacesFileAndFileReplacesDirectory) {
  ASSERT_OK(extract(
      TarBuilder().file("x", "1").dir("x").file("x/in", "2").dir("y").file("y", "3").finish()));
  struct stat st;
  ASSERT_EQ(::lstat(t_.sub("dest/x").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(ASSERT_OK_AND_GET(sys::read_file(t_.sub("dest/y"))), "3");
}

}  // namespace
}  // namespace strata::archive
