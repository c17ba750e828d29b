// SPDX-License-Identifier: Apache-2.0
// Layer pipelines: digests computed in one pass, and a full metadata round trip
// (owners, modes, setuid, xattrs, hard links, symlinks, devices, times, sparse files,
// whiteouts) through pack -> compress -> unpack.
#include "archive/layer.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <map>

#include "sys/fs.h"
#include "testutil/testutil.h"

namespace strata::archive {
namespace {

using strata::testing::TempDir;

// One line per path describing everything a layer must preserve.
void describe(const std::string& root, const std::string& rel,
              std::map<std::string, std::string>* out) {
  std::string p = rel.empty() ? root : root + "/" + rel;
  struct stat st;
  ASSERT_EQ(::lstat(p.c_str(), &st), 0) << p;
  std::string d = fmt::format("mode={:o} uid={} gid={} mtime={}.{}", st.st_mode, st.st_uid,
                              st.st_gid, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  if (S_ISREG(st.st_mode)) {
    d += fmt::format(" size={} nlink={} data={}", st.st_size, st.st_nlink,
                     oci::Digest::of(sys::read_file(p).value()).short_str());
    d += fmt::format(" sparse={}", st.st_blocks * 512 < st.st_size);
  }
  if (S_ISLNK(st.st_mode)) {
    char buf[256] = {};
    ::readlink(p.c_str(), buf, sizeof(buf) - 1);
    d += std::string(" -> ") + buf;
  }
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
    d += fmt::format(" rdev={}:{}", major(st.st_rdev), minor(st.st_rdev));
  if (!S_ISLNK(st.st_mode)) {
    char names[1024];
    ssize_t n = ::llistxattr(p.c_str(), names, sizeof(names));
    std::map<std::string, std::string> xattrs;  // sorted: listing order is the kernel's
    for (ssize_t i = 0; i > -1 && i < n;) {
      std::string name(names + i);
      i += static_cast<ssize_t>(name.size()) + 1;
      char v[256] = {};
      ssize_t len = ::lgetxattr(p.c_str(), name.c_str(), v, sizeof(v));
      xattrs[name] = oci::Digest::of(std::string_view(v, len > 0 ? len : 0)).short_str();
    }
    for (const auto& [k, v] : xattrs) d += " " + k + "=" + v;
  }
  if (!rel.empty()) (*out)[rel] = d;
  if (S_ISDIR(st.st_mode)) {
    DIR* dir = ::opendir(p.c_str());
    while (struct dirent* de = ::readdir(dir)) {
      std::string n = de->d_name;
      if (n == "." || n == "..") continue;
      describe(root, rel.empty() ? n : rel + "/" + n, out);
    }
    ::closedir(dir);
  }
}

std::map<std::string, std::string> describe(const std::string& root) {
  std::map<std::string, std::string> out;
  describe(root, "", &out);
  return out;
}

// struct vfs_cap_data, revision 2, effective, permitted = CAP_NET_BIND_SERVICE.
const char kCap[20] = {1, 0, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

void make_rich_tree(const std::string& r) {
  ASSERT_OK(sys::mkdir_p(r + "/bin"));
  ASSERT_OK(sys::mkdir_p(r + "/dev"));
  ASSERT_OK(sys::mkdir_p(r + "/opaque"));
  ASSERT_OK(sys::write_file_atomic(r + "/bin/busybox", std::string(5000, 'b'), 0755));
  ASSERT_EQ(::chmod((r + "/bin/busybox").c_str(), 04755), 0);
  ASSERT_EQ(::link((r + "/bin/busybox").c_str(), (r + "/bin/sh").c_str()), 0);
  ASSERT_EQ(::symlink("busybox", (r + "/bin/ls").c_str()), 0);
  ASSERT_OK(sys::write_file_atomic(r + "/owned", "o", 0640));
  ASSERT_EQ(::chown((r + "/owned").c_str(), 1234, 5678), 0);
  ASSERT_EQ(::setxattr((r + "/owned").c_str(), "user.note", "hello", 5, 0), 0);
  ASSERT_EQ(::setxattr((r + "/owned").c_str(), "security.capability", kCap, sizeof(kCap), 0), 0);
  ASSERT_EQ(::mknod((r + "/dev/null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  ASSERT_EQ(::chmod((r + "/dev/null").c_str(), 0666), 0);
  ASSERT_EQ(::mkfifo((r + "/dev/fifo").c_str(), 0600), 0);
  ASSERT_EQ(::mknod((r + "/gone").c_str(), S_IFCHR, makedev(0, 0)), 0);  // a whiteout
  ASSERT_EQ(::setxattr((r + "/opaque").c_str(), "trusted.overlay.opaque", "y", 1, 0), 0);
  int fd = ::open((r + "/sparse").c_str(), O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, "data", 4, 10 << 20), 4);
  ASSERT_EQ(::ftruncate(fd, 20 << 20), 0);
  ::close(fd);
  struct timespec t[2] = {{1600000000, 123456789}, {1600000000, 123456789}};
  for (const char* p : {"/bin/busybox", "/owned", "/sparse", "/bin", "/opaque", "/dev", ""})
    ASSERT_EQ(::utimensat(AT_FDCWD, (r + p).c_str(), t, AT_SYMLINK_NOFOLLOW), 0);
}

class LayerTest : public ::testing::TestWithParam<Compression> {};

TEST_P(LayerTest, MetadataSurvivesRoundTrip) {
  if (!strata::testing::is_root()) GTEST_SKIP() << "needs root for owners, devices, xattrs";
  TempDir t;
  make_rich_tree(t.sub("src"));
  auto src = ASSERT_OK_AND_GET(sys::open_dir(t.sub("src")));
  StringWriter blob;
  LayerInfo packed = ASSERT_OK_AND_GET(pack_layer(src.get(), GetParam(), blob));
  EXPECT_EQ(packed.blob_digest, oci::Digest::of(blob.out));
  EXPECT_EQ(packed.blob_size, blob.out.size());

  ASSERT_OK(sys::mkdir_p(t.sub("dst")));
  auto dst = ASSERT_OK_AND_GET(sys::open_dir(t.sub("dst")));
  StringReader in(blob.out);
  StringWriter copy;
  LayerInfo unpacked = ASSERT_OK_AND_GET(unpack_layer_blob(in, &copy, dst.get()));
  EXPECT_EQ(unpacked.blob_digest, packed.blob_digest);
  EXPECT_EQ(unpacked.diff_id, packed.diff_id);
  EXPECT_EQ(unpacked.compression, GetParam());
  EXPECT_EQ(copy.out, blob.out);

  auto want = describe(t.sub("src"));
  auto got = describe(t.sub("dst"));
  EXPECT_EQ(want, got);
  EXPECT_NE(got["sparse"].find("sparse=true"), std::string::npos) << got["sparse"];
  EXPECT_NE(got["bin/busybox"].find("mode=104755"), std::string::npos);
  EXPECT_NE(got["bin/sh"].find("nlink=2"), std::string::npos);

  // Packing the unpacked tree again gives the same tar: whiteouts went back to OCI form.
  StringWriter again;
  LayerInfo repacked = ASSERT_OK_AND_GET(pack_layer(dst.get(), GetParam(), again));
  EXPECT_EQ(repacked.diff_id, packed.diff_id);
}

INSTANTIATE_TEST_SUITE_P(Codecs, LayerTest,
                         ::testing::Values(Compression::kNone, Compression::kGzip,
                                           Compression::kZstd));

TEST(ImportTarTest, DiffIdIsTheDigestOfTheTarAsRead) {
  TempDir t;
  ASSERT_OK(sys::mkdir_p(t.sub("src/etc")));
  ASSERT_OK(sys::write_file_atomic(t.sub("src/etc/motd"), "hi"));
  auto src = ASSERT_OK_AND_GET(sys::open_dir(t.sub("src")));
  StringWriter tar;
  ASSERT_OK(pack_dir(src.get(), tar));

  ASSERT_OK(sys::mkdir_p(t.sub("dst")));
  auto dst = ASSERT_OK_AND_GET(sys::open_dir(t.sub("dst")));
  StringReader in(tar.out);
  StringWriter blob;
  LayerInfo info = ASSERT_OK_AND_GET(import_tar(in, Compression::kZstd, blob, dst.get()));
  EXPECT_EQ(info.diff_id, oci::Digest::of(tar.out));
  EXPECT_EQ(info.blob_digest, oci::Digest::of(blob.out));
  EXPECT_EQ(ASSERT_OK_AND_GET(sys::read_file(t.sub("dst/etc/motd"))), "hi");
}

TEST(UnpackLayerTest, TruncatedGzipIsCorrupt) {
  TempDir t;
  ASSERT_OK(sys::mkdir_p(t.sub("src")));
  ASSERT_OK(sys::write_file_atomic(t.sub("src/f"), std::string(300000, 'q')));
  auto src = ASSERT_OK_AND_GET(sys::open_dir(t.sub("src")));
  StringWriter blob;
  ASSERT_OK(pack_layer(src.get(), Compression::kGzip, blob));
  ASSERT_OK(sys::mkdir_p(t.sub("dst")));
  auto dst = ASSERT_OK_AND_GET(sys::open_dir(t.sub("dst")));
  StringReader in(blob.out.substr(0, blob.out.size() - 40));
  auto r = unpack_layer_blob(in, nullptr, dst.get());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kCorrupt);
  EXPECT_NE(r.error().message().find("gzip stream: unexpected end"), std::string::npos)
      << r.error().message();
}

}  // namespace
}  // namespace strata::archive
