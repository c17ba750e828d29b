// SPDX-License-Identifier: Apache-2.0
// Extraction rules: hostile entries are refused or contained, whiteouts are converted.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>

#include "archive/compress.h"
#include "archive/tar.h"
#include "archive/tar_io.h"
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
  Result<ExtractStats> extract(const std::string& tar, const ExtractLimits& limits = {}) {
    auto dest = TRY(sys::open_dir(t_.sub("dest")));
    StringReader in(tar);
    return extract_tar(in, dest.get(), limits);
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

TEST_F(ExtractTest, PlainModeKeepsWhiteoutNamesAsFiles) {
  ASSERT_OK(sys::mkdir_p(t_.sub("dest/opt")));
  ASSERT_OK(sys::write_file_atomic(t_.sub("dest/foo"), "mine"));
  auto dest = ASSERT_OK_AND_GET(sys::open_dir(t_.sub("dest")));
  StringReader in(TarBuilder()
                      .file(".wh.foo", "user data")
                      .file("opt/.wh..wh..opq", "")
                      .file(".wh..wh.plnk", "")
                      .finish());
  ASSERT_OK(extract_tar(in, dest.get(), {}, Whiteouts::kPlain));
  EXPECT_EQ(ASSERT_OK_AND_GET(sys::read_file(t_.sub("dest/foo"))), "mine");
  EXPECT_EQ(ASSERT_OK_AND_GET(sys::read_file(t_.sub("dest/.wh.foo"))), "user data");
  EXPECT_TRUE(sys::exists(t_.sub("dest/opt/.wh..wh..opq")));
  EXPECT_TRUE(sys::exists(t_.sub("dest/.wh..wh.plnk")));
  char v = 0;
  EXPECT_LT(::lgetxattr(t_.sub("dest/opt").c_str(), kOverlayOpaqueXattr, &v, 1), 0);
}

TEST_F(ExtractTest, NodesGetTheirModeAndTimes) {
  ASSERT_OK(extract(TarBuilder().fifo("p", 0741).finish()));
  struct stat st;
  ASSERT_EQ(::lstat(t_.sub("dest/p").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0741u);  // not cut by the umask
  EXPECT_EQ(st.st_mtim.tv_sec, 1700000000);
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

TEST_F(ExtractTest, OverlayXattrsAreDroppedInTheUserNamespaceToo) {
  // A rootless overlay (userxattr) reads user.overlay.* as opaque and redirect markers.
  ASSERT_OK(extract(TarBuilder()
                        .xattr("user.overlay.opaque", "y")
                        .xattr("user.overlay.redirect", "/etc")
                        .xattr("user.keep", "1")
                        .dir("opq")
                        .xattr("user.overlay.metacopy", "")
                        .xattr("user.overlay.origin", "x")
                        .file("opq/f", "data")
                        .finish()));
  for (const char* path : {"dest/opq", "dest/opq/f"}) {
    char names[1024] = {};
    ssize_t n = ::llistxattr(t_.sub(path).c_str(), names, sizeof(names));
    ASSERT_GE(n, 0) << path;
    for (ssize_t i = 0; i < n; i += static_cast<ssize_t>(std::strlen(names + i)) + 1)
      EXPECT_FALSE(std::string_view(names + i).starts_with("user.overlay.")) << names + i;
  }
  char v[4] = {};
  EXPECT_EQ(::lgetxattr(t_.sub("dest/opq").c_str(), "user.keep", v, sizeof(v)), 1);
}

TEST_F(ExtractTest, ErrorsEscapeControlBytesInNames) {
  auto r = extract(TarBuilder().file("\x1b[31mred/../../x", "").finish());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "tar entry `\\x1b[31mred/../../x`: \"..\" escapes the layer");
  r = extract(TarBuilder().file("a", "").hardlink("\x1b]0;title\x07", "missing").finish());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message().find('\x1b'), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("tar entry `\\x1b]0;title\\x07`"), std::string::npos)
      << r.error().message();
}

TEST_F(ExtractTest, EntryCountIsCapped) {
  ExtractLimits limits;
  limits.max_entries = 3;
  ASSERT_OK(extract(TarBuilder().file("a", "").file("b", "").file("c", "").finish(), limits));
  auto r = extract(TarBuilder().file("a", "").file("b", "").file("c", "").file("d", "").finish(),
                   limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kInvalidArgument);
  EXPECT_EQ(r.error().message(),
            "tar entry `d`: layer has more than 3 entries, its cap (the store's setting)");
  EXPECT_FALSE(sys::exists(t_.sub("dest/d")));
}

TEST_F(ExtractTest, DepthIsCappedWithAClearError) {
  std::string path;
  for (size_t i = 0; i < kMaxEntryDepth; ++i) path += "d/";
  auto r = extract(TarBuilder().file(path + "x", "").finish());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kInvalidArgument);
  EXPECT_NE(r.error().message().find("deeper than 8192 directories, the cap"), std::string::npos)
      << r.error().message();
  EXPECT_TRUE(r.error().message().starts_with("tar entry `d/d/d/")) << r.error().message();
  EXPECT_FALSE(sys::exists(t_.sub("dest/d")));
  EXPECT_NE(r.error().message().find("(16385 bytes)"), std::string::npos) << r.error().message();
}

TEST_F(ExtractTest, LongNamesAreCapped) {
  std::string name = std::string(255, 'n');
  std::string path = name;
  while (path.size() <= kMaxEntryPathBytes) path += "/" + name;
  auto r = extract(TarBuilder().file(path, "x").finish());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("name longer than 65536 bytes, the cap"), std::string::npos)
      << r.error().message();
}

TEST_F(ExtractTest, DeepTreeLongerThanPathMaxExtractsWithFewFds) {
  // 2100 levels: a name of 4199 bytes, past PATH_MAX; directory times are still set.
  std::string tar = TarBuilder().nested_dirs(2100).finish();
  ASSERT_OK(extract(tar));
  auto dest = ASSERT_OK_AND_GET(sys::open_dir(t_.sub("dest")));
  std::string deep;
  for (int i = 0; i < 2100; ++i) deep += i == 0 ? "d" : "/d";
  auto fd = ASSERT_OK_AND_GET(sys::open_in_root(dest.get(), deep, O_RDONLY | O_DIRECTORY));
  struct stat st;
  ASSERT_EQ(::fstat(fd.get(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 1700000000);
  ASSERT_OK(sys::remove_all(t_.sub("dest")));
}

// A ustar header by hand (a tar writer would pad the data it was not given).
std::string ustar_header(std::string_view name, uint64_t size, char type) {
  std::string h(512, '\0');
  auto field = [&](size_t off, size_t len, std::string_view v) {
    std::memcpy(&h[off], v.data(), std::min(len, v.size()));
  };
  field(0, 100, name);
  field(100, 8, "0000644");
  field(108, 8, "0000000");
  field(116, 8, "0000000");
  field(124, 12, fmt::format("{:011o}", size));
  field(136, 12, fmt::format("{:011o}", 1700000000));
  field(156, 1, std::string_view(&type, 1));
  field(257, 8,
        std::string_view("ustar\0"
                         "00",
                         8));
  field(148, 8, "        ");
  unsigned sum = 0;
  for (char c : h) sum += static_cast<unsigned char>(c);
  field(148, 8, fmt::format("{:06o}", sum) + std::string("\0 ", 2));
  return h;
}

// A tar of one file of `size` zero bytes, produced as it is read (sizes of GiBs cost no
// memory): header, data, end-of-archive marker.
class ZeroFileTar : public Reader {
 public:
  explicit ZeroFileTar(uint64_t size) : size_(size), header_(ustar_header("big", size, '0')) {}
  Result<size_t> read(std::span<uint8_t> buf) override {
    uint64_t total = header_.size() + size_ + 1024;
    size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), total - pos_));
    for (size_t i = 0; i < n; ++i, ++pos_)
      buf[i] = pos_ < header_.size() ? static_cast<uint8_t>(header_[pos_]) : 0;
    return n;
  }

 private:
  uint64_t size_, pos_ = 0;
  std::string header_;
};

TEST_F(ExtractTest, PaxHeaderSizesAreBoundedBeforeTheyAreRead) {
  // A PAX header that says it is 64 MiB (valid records all the way): libarchive refuses
  // special headers over 1 MiB instead of reading them into memory.
  std::string record = "path=" + std::string(100, 'a') + "\n";
  record = std::to_string(record.size() + 4) + " " + record;
  std::string body;
  while (body.size() < (64u << 20)) body += record;
  body.resize(64u << 20);
  std::string tar = ustar_header("pax", body.size(), 'x') + body + ustar_header("f", 0, '0') +
                    std::string(1024, '\0');
  auto r = extract(tar);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kCorrupt);
  EXPECT_EQ(r.error().message(), "tar header after 0 entries: Special header too large");
}

TEST_F(ExtractTest, OwnersPastTheIdRangeAreRefused) {
  // A PAX uid of 2^32 was cut to 0 (root); 4294967295 is no id to the kernel.
  for (std::string field :
       {"uid=4294967296", "uid=4294967295", "gid=4294967296", "uid=99999999999999999999"}) {
    std::string rec = field + "\n";
    rec = std::to_string(rec.size() + 3) + " " + rec;  // the length counts itself: 2 digits
    std::string body = rec + std::string(512 - rec.size(), '\0');
    std::string tar = ustar_header("pax", rec.size(), 'x') + body + ustar_header("f", 0, '0') +
                      std::string(1024, '\0');
    auto r = extract(tar);
    ASSERT_FALSE(r.ok()) << field;
    EXPECT_NE(r.error().message().find("tar entry `f`: "), std::string::npos)
        << r.error().message();
    EXPECT_NE(r.error().message().find("is out of range (0 to 4294967294)"), std::string::npos)
        << r.error().message();
  }
}

TEST_F(ExtractTest, ExpandedSizeIsCappedBeforeTheDataIsWritten) {
  // 64 MiB of zeros in a 64 KiB gzip blob; the cap is 16 MiB.
  ZeroFileTar tar(64 << 20);
  StringWriter blob;
  auto gz = ASSERT_OK_AND_GET(make_compressor(Compression::kGzip, blob));
  ASSERT_OK(copy(tar, *gz));
  ASSERT_OK(gz->close());
  ASSERT_LT(blob.out.size(), 1u << 20);
  StringReader in(blob.out);
  auto plain = ASSERT_OK_AND_GET(DecompressReader::open(in));
  HashingReader counted(*plain, nullptr, false);
  auto dest = ASSERT_OK_AND_GET(sys::open_dir(t_.sub("dest")));
  ExtractLimits limits;
  limits.max_bytes = 16 << 20;
  auto r = extract_tar(counted, dest.get(), limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kInvalidArgument);
  EXPECT_TRUE(r.error().message().starts_with(
      "tar entry `big`: 67108864 bytes of file data: layer expands past its size cap of "
      "16777216 bytes (the store's setting) after "))
      << r.error().message();
  EXPECT_LT(counted.bytes(), 2u << 20);  // refused at the header: the data was not read
  EXPECT_FALSE(sys::exists(t_.sub("dest/big")));
}

TEST_F(ExtractTest, ExpandedSizeCapCountsTheWholeStream) {
  // Many small files, none too big alone: the stream itself passes the cap.
  TarBuilder b;
  for (int i = 0; i < 100; ++i) b.file("f" + std::to_string(i), std::string(10000, 'x'));
  ExtractLimits limits;
  limits.max_bytes = 300000;
  auto r = extract(b.finish(), limits);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("layer expands past its size cap of 300000 bytes"),
            std::string::npos)
      << r.error().message();
}

TEST_F(ExtractTest, DefaultSizeCapIsTheFreeSpaceLessFivePercent) {
  // A file system of 16 MiB: a layer of 20 MiB is refused by the cap, not by ENOSPC
  // after filling it.
  if (!strata::testing::is_root()) GTEST_SKIP() << "mounting a tmpfs needs root";
  if (::unshare(CLONE_NEWNS) < 0) GTEST_SKIP() << "no mount namespace";
  ASSERT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0);
  ASSERT_EQ(::mount("tmpfs", t_.sub("dest").c_str(), "tmpfs", 0, "size=16m"), 0);
  ZeroFileTar tar(20 << 20);
  auto dest = ASSERT_OK_AND_GET(sys::open_dir(t_.sub("dest")));
  auto r = extract_tar(tar, dest.get());
  EXPECT_EQ(::umount2(t_.sub("dest").c_str(), MNT_DETACH), 0);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("(the free space of the store's file system, less 5% of "
                                     "its size)"),
            std::string::npos)
      << r.error().message();
}

TEST_F(ExtractTest, TrailingDataAfterTheEndMarkerIsBounded) {
  std::string tar = TarBuilder().file("a", "x").finish();
  // Padding to a 10240-byte record, as GNU tar writes, is normal.
  ASSERT_OK(extract(tar + std::string(10240 - tar.size() % 10240, '\0')));
  ASSERT_OK(sys::remove_all(t_.sub("dest/a")));
  auto r = extract(tar + std::string(kMaxTrailingBytes + 300000, '\0'));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kCorrupt);
  EXPECT_EQ(r.error().message(),
            "tar: more than 1048576 bytes of data after the end-of-archive marker (after 1 "
            "entries)");
}

}  // namespace
}  // namespace strata::archive
