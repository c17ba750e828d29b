// SPDX-License-Identifier: Apache-2.0
// The vfs back-end's merge of layers (whiteouts, opaque directories, a layer twice) and
// its copy (owners, modes, times, xattrs, hardlinks, device nodes, holes), on real files.
#include "snapshot/copy.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "snapshot/snapshot.h"
#include "sys/fs.h"
#include "testutil/testutil.h"

namespace strata::snapshot {
namespace {

using strata::testing::TempDir;

// Layers as the store keeps them: directories with overlay whiteouts, under
// layers/<name>; the copy goes to out/.
class CopyLayersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!strata::testing::is_root()) GTEST_SKIP() << "needs root: mknod, chown, trusted xattrs";
    ASSERT_OK(sys::mkdir_p(t_.sub("out")));
  }
  std::string at(const std::string& layer, const std::string& rel = "") {
    std::string p = t_.sub("layers/" + layer);
    return rel.empty() ? p : p + "/" + rel;
  }
  void file(const std::string& layer, const std::string& rel, const std::string& data) {
    std::string p = at(layer, rel);
    ASSERT_OK(sys::mkdir_p(p.substr(0, p.rfind('/'))));
    ASSERT_OK(sys::write_file_atomic(p, data));
  }
  void dir(const std::string& layer, const std::string& rel) {
    ASSERT_OK(sys::mkdir_p(at(layer, rel)));
  }
  void whiteout(const std::string& layer, const std::string& rel) {
    std::string p = at(layer, rel);
    ASSERT_OK(sys::mkdir_p(p.substr(0, p.rfind('/'))));
    ASSERT_EQ(::mknod(p.c_str(), S_IFCHR | 0600, makedev(0, 0)), 0) << p;
  }
  void opaque(const std::string& layer, const std::string& rel) {
    dir(layer, rel);
    ASSERT_EQ(::setxattr(at(layer, rel).c_str(), "trusted.overlay.opaque", "y", 1, 0), 0);
  }
  // Copies the layers (topmost first) into out/.
  void copy(const std::vector<std::string>& names) {
    for (const auto& n : names) ASSERT_OK(sys::mkdir_p(at(n)));
    std::vector<UniqueFd> fds;
    std::vector<int> raw;
    for (const auto& n : names) {
      fds.push_back(MUST(sys::open_dir(at(n))));
      raw.push_back(fds.back().get());
    }
    auto out = MUST(sys::open_dir(t_.sub("out")));
    ASSERT_OK(copy_layers(raw, out.get()));
  }
  std::string out(const std::string& rel) { return t_.sub("out/" + rel); }
  bool exists(const std::string& rel) {
    struct stat st;
    return ::lstat(out(rel).c_str(), &st) == 0;
  }
  std::string read(const std::string& rel) {
    auto r = sys::read_file(out(rel));
    return r.ok() ? *r : "<missing>";
  }
  // The names out/<rel> holds, sorted, space-separated.
  std::string names(const std::string& rel) {
    auto fd = MUST(sys::open_dir(out(rel)));
    std::string s;
    sys::WalkVisitor v;
    v.sorted = true;
    v.enter = [&](const sys::WalkEntry& e) -> Result<bool> {
      s += (s.empty() ? "" : " ") + e.name;
      return false;
    };
    EXPECT_OK(sys::walk_tree(fd.get(), v));
    return s;
  }
  TempDir t_;
};

TEST_F(CopyLayersTest, UpperEntriesWinAndWhiteoutsDeleteWithoutBeingCopied) {
  file("base", "etc/passwd", "root");
  file("base", "etc/group", "g");
  file("base", "bin/sh", "sh");
  file("base", "bin/ls", "ls");
  file("base", "gone/deep/f", "x");
  file("top", "etc/passwd", "root\nuser");
  whiteout("top", "bin/ls");
  whiteout("top", "gone");
  copy({"top", "base"});
  EXPECT_EQ(read("etc/passwd"), "root\nuser");
  EXPECT_EQ(read("etc/group"), "g");
  EXPECT_EQ(names("bin"), "sh");
  EXPECT_EQ(names(""), "bin etc");
  // The layers are untouched.
  EXPECT_EQ(MUST(sys::read_file(at("base", "etc/passwd"))), "root");
}

TEST_F(CopyLayersTest, AnOpaqueDirectoryHidesWhatTheLayersBelowHoldInIt) {
  file("base", "d/old", "o");
  file("base", "d/sub/y", "y");
  file("base", "keep/k", "k");
  file("mid", "d/m", "m");
  opaque("mid", "d");
  file("top", "d/t", "t");  // not opaque itself: mid's still shows through it
  copy({"top", "mid", "base"});
  EXPECT_EQ(names("d"), "m t");
  EXPECT_EQ(names("keep"), "k");
  // The marker itself is overlay's, not the container's.
  EXPECT_LT(::lgetxattr(out("d").c_str(), "trusted.overlay.opaque", nullptr, 0), 0);
}

TEST_F(CopyLayersTest, AFileHidesADirectoryBelowAndADirectoryAFile) {
  file("base", "a/inside", "i");
  file("base", "b", "file b");
  file("top", "a", "file a");
  file("top", "b/inside", "dir b");
  copy({"top", "base"});
  EXPECT_EQ(read("a"), "file a");
  EXPECT_EQ(read("b/inside"), "dir b");
  EXPECT_EQ(names("b"), "inside");
}

TEST_F(CopyLayersTest, HardlinksOfALayerStayOneInode) {
  file("base", "x/f", "linked");
  dir("base", "y");
  ASSERT_EQ(::link(at("base", "x/f").c_str(), at("base", "y/g").c_str()), 0);
  ASSERT_EQ(::link(at("base", "x/f").c_str(), at("base", "y/h").c_str()), 0);
  file("top", "y/h", "replaced");  // one name replaced above: the others stay linked
  copy({"top", "base"});
  struct stat f, g, h;
  ASSERT_EQ(::lstat(out("x/f").c_str(), &f), 0);
  ASSERT_EQ(::lstat(out("y/g").c_str(), &g), 0);
  ASSERT_EQ(::lstat(out("y/h").c_str(), &h), 0);
  EXPECT_EQ(f.st_ino, g.st_ino);
  EXPECT_EQ(f.st_nlink, 2u);
  EXPECT_NE(h.st_ino, f.st_ino);
  EXPECT_EQ(read("y/h"), "replaced");
  // A copy, not a link into the layer.
  struct stat layer;
  ASSERT_EQ(::lstat(at("base", "x/f").c_str(), &layer), 0);
  EXPECT_NE(layer.st_ino, f.st_ino);
}

TEST_F(CopyLayersTest, ALayerListedTwiceIsCopiedOnceAtItsTopmostPlace) {
  file("a", "f", "from a");
  file("a", "shared", "a");
  ASSERT_EQ(::link(at("a", "f").c_str(), at("a", "f2").c_str()), 0);
  file("b", "shared", "b");
  whiteout("b", "f");  // below a's first place: a's f wins
  copy({"a", "b", "a"});
  EXPECT_EQ(read("f"), "from a");
  EXPECT_EQ(read("shared"), "a");
  EXPECT_EQ(names(""), "f f2 shared");
}

TEST_F(CopyLayersTest, OwnersModesTimesXattrsDevicesAndHolesAreKept) {
  file("base", "suid", "x");
  ASSERT_EQ(::chown(at("base", "suid").c_str(), 1234, 5678), 0);
  ASSERT_EQ(::chmod(at("base", "suid").c_str(), 04750), 0);
  ASSERT_EQ(::setxattr(at("base", "suid").c_str(), "user.note", "v1", 2, 0), 0);
  ASSERT_EQ(::setxattr(at("base", "suid").c_str(), "trusted.overlay.origin", "z", 1, 0), 0);
  struct timespec when[2] = {{1000, 5}, {2000, 123456789}};
  ASSERT_EQ(::utimensat(AT_FDCWD, at("base", "suid").c_str(), when, 0), 0);
  dir("base", "private");
  ASSERT_EQ(::chmod(at("base", "private").c_str(), 0700), 0);
  ASSERT_EQ(::chown(at("base", "private").c_str(), 42, 43), 0);
  file("base", "private/f", "p");
  ASSERT_EQ(::utimensat(AT_FDCWD, at("base", "private").c_str(), when, 0), 0);
  ASSERT_EQ(::mknod(at("base", "null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  ASSERT_EQ(::chmod(at("base", "null").c_str(), 0666), 0);  // past the umask
  ASSERT_EQ(::mkfifo(at("base", "fifo").c_str(), 0640), 0);
  ASSERT_EQ(::chmod(at("base", "fifo").c_str(), 0640), 0);
  ASSERT_EQ(::symlink("/etc/passwd", at("base", "abs").c_str()), 0);
  ASSERT_EQ(::lchown(at("base", "abs").c_str(), 7, 8), 0);
  {
    UniqueFd f(::open(at("base", "sparse").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    ASSERT_TRUE(f.valid());
    ASSERT_EQ(::pwrite(f.get(), "end", 3, (1 << 30) - 3), 3);
  }
  copy({"base"});
  struct stat st;
  ASSERT_EQ(::lstat(out("suid").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 5678u);
  EXPECT_EQ(st.st_mode & 07777, 04750u);
  EXPECT_EQ(st.st_mtim.tv_sec, 2000);
  EXPECT_EQ(st.st_mtim.tv_nsec, 123456789);
  char v[8] = {};
  EXPECT_EQ(::lgetxattr(out("suid").c_str(), "user.note", v, sizeof v), 2);
  EXPECT_STREQ(v, "v1");
  EXPECT_LT(::lgetxattr(out("suid").c_str(), "trusted.overlay.origin", v, sizeof v), 0);
  // A directory's times are set after what it holds is made.
  ASSERT_EQ(::lstat(out("private").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_EQ(st.st_uid, 42u);
  EXPECT_EQ(st.st_mtim.tv_sec, 2000);
  ASSERT_EQ(::lstat(out("null").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(1, 3));
  EXPECT_EQ(st.st_mode & 07777, 0666u);
  ASSERT_EQ(::lstat(out("fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  ASSERT_EQ(::lstat(out("abs").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(st.st_uid, 7u);
  char target[64] = {};
  EXPECT_EQ(::readlink(out("abs").c_str(), target, sizeof target), 11);
  EXPECT_STREQ(target, "/etc/passwd");
  ASSERT_EQ(::lstat(out("sparse").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 1 << 30);
  EXPECT_LT(st.st_blocks * 512, 1 << 20) << "the hole was written out";
  UniqueFd f(::open(out("sparse").c_str(), O_RDONLY | O_CLOEXEC));
  char end[4] = {};
  EXPECT_EQ(::pread(f.get(), end, 3, (1 << 30) - 3), 3);
  EXPECT_STREQ(end, "end");
  // The root is overlay's: root's, 0755.
  ASSERT_EQ(::lstat(out("").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
}

TEST_F(CopyLayersTest, ALayerSymlinkIsCopiedNeverFollowed) {
  dir("base", "real");
  ASSERT_EQ(::symlink(t_.sub("outside").c_str(), at("base", "escape").c_str()), 0);
  ASSERT_OK(sys::mkdir_p(t_.sub("outside")));
  // Above it, a layer with a directory of the same name: the symlink below is hidden,
  // and nothing is written through it.
  file("top", "escape/f", "inside");
  copy({"top", "base"});
  EXPECT_EQ(read("escape/f"), "inside");
  EXPECT_FALSE(sys::exists(t_.sub("outside/f")));
}

TEST(LayerTreeTest, FindSkipsWhiteoutMarkers) {
  if (!strata::testing::is_root()) GTEST_SKIP() << "needs root: mknod";
  TempDir t;
  ASSERT_OK(sys::mkdir_p(t.sub("top")));
  ASSERT_OK(sys::mkdir_p(t.sub("base")));
  ASSERT_OK(sys::write_file_atomic(t.sub("base/a"), "a"));
  ASSERT_OK(sys::write_file_atomic(t.sub("base/b"), "b"));
  ASSERT_EQ(::mknod(t.sub("top/a").c_str(), S_IFCHR, makedev(0, 0)), 0);
  auto top = MUST(sys::open_dir(t.sub("top")));
  auto base = MUST(sys::open_dir(t.sub("base")));
  LayerTree tree = MUST(LayerTree::build({top.get(), base.get()}));
  EXPECT_EQ(tree.find(LayerTree::kRoot, "a"), LayerTree::kNone);
  uint32_t b = tree.find(LayerTree::kRoot, "b");
  ASSERT_NE(b, LayerTree::kNone);
  EXPECT_EQ(tree.node(b).layer, 1u);
  EXPECT_EQ(tree.find(LayerTree::kRoot, "c"), LayerTree::kNone);
}

TEST(DriverTest, NamesParseAndOthersAreRefused) {
  EXPECT_EQ(MUST(parse_driver("vfs")), Driver::kVfs);
  EXPECT_EQ(MUST(parse_driver("overlay")), Driver::kOverlay);
  EXPECT_EQ(MUST(parse_driver("overlay2")), Driver::kOverlay);
  auto r = parse_driver("btrfs");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "unknown storage driver \"btrfs\": want overlay or vfs");
  EXPECT_FALSE(snapshotter(Driver::kVfs).mounted());
  EXPECT_EQ(snapshotter(Driver::kVfs).rootfs(Layout{"containers/x", {}}), "containers/x/rootfs");
  EXPECT_EQ(snapshotter(Driver::kOverlay).rootfs(Layout{"containers/x", {}}),
            "containers/x/merged");
}

// The probe on this machine's own file system (ext4 or similar) accepts overlay; an
// overlay's own tree as the upper directory is what overlay refuses (tested for real in
// containers_vfs.bats, where a store on such a tree falls back to vfs).
TEST(ProbeOverlayTest, AcceptsAPlainFileSystemAndLeavesNothingMounted) {
  if (!strata::testing::is_root()) GTEST_SKIP() << "needs root for overlay";
  TempDir t;
  EXPECT_EQ(MUST(probe_overlay(t.sub("p"))), "");
  EXPECT_FALSE(is_mounted(t.sub("p/merged")));
}

TEST(ProbeOverlayTest, RefusesAnOverlayTreeAsTheUpperDirectoryAndSaysWhy) {
  if (!strata::testing::is_root()) GTEST_SKIP() << "needs root for overlay";
  TempDir t;
  for (const char* d : {"l", "u", "w", "m"}) ASSERT_OK(sys::mkdir_p(t.sub(d)));
  std::string opts =
      fmt::format("lowerdir={},upperdir={},workdir={}", t.sub("l"), t.sub("u"), t.sub("w"));
  ASSERT_EQ(::mount("overlay", t.sub("m").c_str(), "overlay", 0, opts.c_str()), 0);
  std::string why = MUST(probe_overlay(t.sub("m/p")));
  EXPECT_NE(why.find("not supported as upperdir"), std::string::npos) << why;
  EXPECT_EQ(::umount2(t.sub("m").c_str(), MNT_DETACH), 0);
}

}  // namespace
}  // namespace strata::snapshot
