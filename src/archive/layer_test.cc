// SPDX-License-Identifier: Apache-2.0
// Layer pipelines: digests computed in one pass, and a full metadata round trip
// (owners, modes, setuid, xattrs, hard links, symlinks, devices, times, sparse files,
// whiteouts) through pack -> compress -> unpack. Our packer and unpacker are also judged
// by other tools: GNU tar (both directions) and umoci (whiteouts, as an image unpacker).
#include "archive/layer.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include "sys/fs.h"
#include "testutil/testutil.h"
#include "util/defer.h"
#include "util/strings.h"

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

// With overlay markers: a whiteout device and an opaque directory (only our own
// unpacker, and umoci through OCI whiteouts, understand those).
void make_rich_tree(const std::string& r, bool overlay_markers = true) {
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
  if (overlay_markers) {
    ASSERT_EQ(::mknod((r + "/gone").c_str(), S_IFCHR, makedev(0, 0)), 0);  // a whiteout
    ASSERT_EQ(::setxattr((r + "/opaque").c_str(), "trusted.overlay.opaque", "y", 1, 0), 0);
  }
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

// Runs a shell command; its exit status (0 is success).
int sh(const std::string& cmd) {
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

bool have(const char* tool) { return sh(fmt::format("command -v {} >/dev/null", tool)) == 0; }

// Packs `dir` into an uncompressed layer at `path`.
void pack_to_file(const std::string& dir, const std::string& path) {
  auto src = ASSERT_OK_AND_GET(sys::open_dir(dir));
  StringWriter tar;
  ASSERT_OK(pack_layer(src.get(), Compression::kNone, tar));
  ASSERT_OK(sys::write_file_atomic(path, tar.out));
}

const char* kGnuTarX = "tar --xattrs --xattrs-include='*' --numeric-owner --same-owner -p";

TEST(GnuTarTest, GnuTarExtractsOurLayerToTheSourceTree) {
  if (!strata::testing::is_root()) GTEST_SKIP() << "needs root for owners, devices, xattrs";
  if (!have("tar")) GTEST_SKIP() << "GNU tar is not installed";
  TempDir t;
  make_rich_tree(t.sub("src"), false);
  pack_to_file(t.sub("src"), t.sub("layer.tar"));
  ASSERT_OK(sys::mkdir_p(t.sub("gnu")));
  ASSERT_EQ(sh(fmt::format("{} -xf {} -C {}", kGnuTarX, t.sub("layer.tar"), t.sub("gnu"))), 0);
  auto want = describe(t.sub("src"));
  EXPECT_EQ(want, describe(t.sub("gnu")));
  EXPECT_NE(want["sparse"].find("sparse=true"), std::string::npos);

  // GNU tar's listing names every entry once, with the type and owner we wrote.
  std::string list = t.sub("list.txt");
  ASSERT_EQ(sh(fmt::format("tar --xattrs --numeric-owner -tvf {} >{}", t.sub("layer.tar"), list)),
            0);
  std::set<std::string> names;
  for (const auto& raw : split(ASSERT_OK_AND_GET(sys::read_file(list)), '\n')) {
    if (raw.empty()) continue;
    std::string line;  // columns are padded: one space between them
    for (char c : raw)
      if (c != ' ' || line.empty() || line.back() != ' ') line += c;
    auto cols = split(line, ' ');
    std::string name;
    for (size_t i = 0; i < cols.size(); ++i) {
      // "drwxr-xr-x 0/0 0 2020-09-13 12:26 bin/" then " -> target" or " link to x".
      if (i > 0 && cols[i - 1].size() == 5 && cols[i - 1][2] == ':') {
        name = cols[i];
        break;
      }
    }
    if (name.ends_with("/")) name.pop_back();
    names.insert(name);
    if (name == "owned") {
      EXPECT_TRUE(line.starts_with("-rw-r-----* 1234/5678 1 ")) << line;  // *: has xattrs
    }
    if (name == "bin/busybox") {
      EXPECT_TRUE(line.starts_with("-rwsr-xr-x 0/0 5000 ")) << line;
    }
    if (name == "dev/null") {
      EXPECT_TRUE(line.starts_with("crw-rw-rw- 0/0 1,3 ")) << line;
    }
    if (name == "bin/sh") {
      EXPECT_TRUE(line.ends_with(" bin/sh link to bin/busybox")) << line;
    }
  }
  std::set<std::string> want_names;
  for (const auto& [k, v] : want) want_names.insert(k);
  EXPECT_EQ(names, want_names);
}

TEST(GnuTarTest, WeExtractGnuTarsArchiveToTheSourceTree) {
  if (!strata::testing::is_root()) GTEST_SKIP() << "needs root for owners, devices, xattrs";
  if (!have("tar")) GTEST_SKIP() << "GNU tar is not installed";
  TempDir t;
  make_rich_tree(t.sub("src"), false);
  ASSERT_EQ(sh(fmt::format("{} --format=posix --sparse -cf {} -C {} .", kGnuTarX, t.sub("gnu.tar"),
                           t.sub("src"))),
            0);
  ASSERT_OK(sys::mkdir_p(t.sub("dst")));
  auto dst = ASSERT_OK_AND_GET(sys::open_dir(t.sub("dst")));
  std::string tar = ASSERT_OK_AND_GET(sys::read_file(t.sub("gnu.tar")));
  StringReader in(tar);
  LayerInfo info = ASSERT_OK_AND_GET(unpack_layer_blob(in, nullptr, dst.get()));
  EXPECT_EQ(info.diff_id, oci::Digest::of(tar));
  EXPECT_EQ(describe(t.sub("src")), describe(t.sub("dst")));
}

// An OCI image layout of the given uncompressed layers, tagged "t", for umoci.
void write_layout(const std::string& dir, const std::vector<std::string>& layers) {
  ASSERT_OK(sys::mkdir_p(dir + "/blobs/sha256"));
  auto put = [&](const std::string& data) {
    oci::Digest d = oci::Digest::of(data);
    EXPECT_OK(sys::write_file_atomic(dir + "/blobs/sha256/" + d.hex(), data));
    return d;
  };
  std::string diff_ids, descs;
  for (const auto& l : layers) {
    oci::Digest d = put(l);
    diff_ids += fmt::format("{}\"{}\"", diff_ids.empty() ? "" : ",", d.str());
    descs += fmt::format(
        "{}{{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"{}\","
        "\"size\":{}}}",
        descs.empty() ? "" : ",", d.str(), l.size());
  }
  std::string config = fmt::format(
      "{{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{{}},"
      "\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[{}]}}}}",
      diff_ids);
  oci::Digest c = put(config);
  std::string manifest = fmt::format(
      "{{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
      "\"config\":{{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":"
      "\"{}\",\"size\":{}}},\"layers\":[{}]}}",
      c.str(), config.size(), descs);
  oci::Digest m = put(manifest);
  ASSERT_OK(sys::write_file_atomic(
      dir + "/index.json",
      fmt::format("{{\"schemaVersion\":2,\"manifests\":[{{\"mediaType\":\"application/"
                  "vnd.oci.image.manifest.v1+json\",\"digest\":\"{}\",\"size\":{},"
                  "\"annotations\":{{\"org.opencontainers.image.ref.name\":\"t\"}}}}]}}",
                  m.str(), manifest.size())));
  ASSERT_OK(sys::write_file_atomic(dir + "/oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}"));
}

TEST(UmociTest, UmociAppliesOurWhiteoutsAndOpaqueDirectories) {
  if (!strata::testing::is_root()) GTEST_SKIP() << "needs root for whiteout devices";
  if (!have("umoci")) GTEST_SKIP() << "umoci is not installed";
  TempDir t;
  // The lower layer.
  for (const char* d : {"base/keep", "base/opq"}) ASSERT_OK(sys::mkdir_p(t.sub(d)));
  for (const char* f : {"base/gone", "base/keep/x", "base/opq/old"})
    ASSERT_OK(sys::write_file_atomic(t.sub(f), "lower"));
  // The upper layer as overlayfs leaves it: a whiteout device, an opaque directory.
  ASSERT_OK(sys::mkdir_p(t.sub("upper/opq")));
  ASSERT_OK(sys::mkdir_p(t.sub("upper/keep")));
  ASSERT_EQ(::mknod(t.sub("upper/gone").c_str(), S_IFCHR, makedev(0, 0)), 0);
  ASSERT_EQ(::setxattr(t.sub("upper/opq").c_str(), kOverlayOpaqueXattr, "y", 1, 0), 0);
  ASSERT_OK(sys::write_file_atomic(t.sub("upper/opq/new"), "upper"));
  ASSERT_OK(sys::write_file_atomic(t.sub("upper/keep/y"), "upper"));
  pack_to_file(t.sub("base"), t.sub("base.tar"));
  pack_to_file(t.sub("upper"), t.sub("upper.tar"));
  write_layout(t.sub("layout"), {ASSERT_OK_AND_GET(sys::read_file(t.sub("base.tar"))),
                                 ASSERT_OK_AND_GET(sys::read_file(t.sub("upper.tar")))});
  ASSERT_EQ(
      sh(fmt::format("umoci unpack --image {}:t {} >/dev/null", t.sub("layout"), t.sub("bundle"))),
      0);
  std::string root = t.sub("bundle/rootfs");
  EXPECT_FALSE(sys::exists(root + "/gone"));
  EXPECT_FALSE(sys::exists(root + "/opq/old"));
  EXPECT_EQ(ASSERT_OK_AND_GET(sys::read_file(root + "/opq/new")), "upper");
  EXPECT_EQ(ASSERT_OK_AND_GET(sys::read_file(root + "/keep/x")), "lower");
  EXPECT_EQ(ASSERT_OK_AND_GET(sys::read_file(root + "/keep/y")), "upper");
  EXPECT_FALSE(sys::exists(root + "/.wh.gone"));
  EXPECT_FALSE(sys::exists(root + "/opq/.wh..wh..opq"));
}

// 2100 levels: more than the fd limit below and a path longer than PATH_MAX (the e2e
// test in layers.bats goes to 5000 through the CLI).
TEST(DeepTreeTest, PacksAndUnpacksATreeDeeperThanTheFdLimit) {
  TempDir t;
  ASSERT_OK(sys::mkdir_p(t.sub("src")));
  int fd = ::open(t.sub("src").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  for (int i = 0; i < 2100; ++i) {
    ASSERT_EQ(::mkdirat(fd, "d", 0755), 0);
    int sub = ::openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ::close(fd);
    fd = sub;
  }
  ASSERT_EQ(::close(::openat(fd, "leaf", O_WRONLY | O_CREAT | O_CLOEXEC, 0644)), 0);
  ::close(fd);
  struct rlimit saved, low;
  ::getrlimit(RLIMIT_NOFILE, &saved);
  low = saved;
  low.rlim_cur = 64;  // packing used one fd per level
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  Defer restore([&] { ::setrlimit(RLIMIT_NOFILE, &saved); });
  auto src = ASSERT_OK_AND_GET(sys::open_dir(t.sub("src")));
  StringWriter blob;
  ASSERT_OK(pack_layer(src.get(), Compression::kGzip, blob));
  ASSERT_OK(sys::mkdir_p(t.sub("dst")));
  auto dst = ASSERT_OK_AND_GET(sys::open_dir(t.sub("dst")));
  StringReader in(blob.out);
  LayerInfo info = ASSERT_OK_AND_GET(unpack_layer_blob(in, nullptr, dst.get()));
  std::string deep;
  for (int i = 0; i < 2100; ++i) deep += "d/";
  EXPECT_OK(sys::open_in_root(dst.get(), deep + "leaf", O_RDONLY));
  EXPECT_GT(info.diff_size, 2100u * 512);
}

}  // namespace
}  // namespace strata::archive
