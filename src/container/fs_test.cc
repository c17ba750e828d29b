// SPDX-License-Identifier: Apache-2.0
// diff's walk over an upper directory and cp's reading of paths.
#include "container/fs.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "container/copy.h"
#include "snapshot/copy.h"
#include "sys/fs.h"
#include "testutil/testutil.h"

namespace strata::container {
namespace {

class OverlayChangesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(sys::mkdir_p(t_.sub("lower/etc")).ok());
    ASSERT_TRUE(sys::mkdir_p(t_.sub("lower/bin")).ok());
    ASSERT_TRUE(sys::mkdir_p(t_.sub("lower/var/lib")).ok());
    ASSERT_TRUE(sys::mkdir_p(t_.sub("upper")).ok());
    write("lower/etc/passwd", "root");
    write("lower/bin/ls", "ls");
    write("lower/bin/cat", "cat");
  }
  void write(const std::string& rel, const std::string& data) {
    ASSERT_TRUE(sys::write_file_atomic(t_.sub(rel), data).ok());
  }
  void mkdir(const std::string& rel) { ASSERT_TRUE(sys::mkdir_p(t_.sub(rel)).ok()); }
  // Gives an upper directory the lower one's times, as overlay's copy-up does.
  void same_times(const std::string& rel) {
    struct stat st;
    ASSERT_EQ(::stat(t_.sub("lower/" + rel).c_str(), &st), 0);
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    ASSERT_EQ(::utimensat(AT_FDCWD, t_.sub("upper/" + rel).c_str(), times, 0), 0);
  }
  bool whiteout(const std::string& rel) {
    return ::mknod(t_.sub(rel).c_str(), S_IFCHR | 0, makedev(0, 0)) == 0;
  }
  std::vector<Change> changes(const std::vector<std::string>& skip = {}) {
    auto upper = sys::open_dir(t_.sub("upper"));
    auto lower = sys::open_dir(t_.sub("lower"));
    EXPECT_TRUE(upper.ok() && lower.ok());
    auto out = overlay_changes(upper->get(), {lower->get()}, skip);
    EXPECT_TRUE(out.ok()) << out.error().message();
    return out.ok() ? *out : std::vector<Change>{};
  }
  testing::TempDir t_;
};

TEST_F(OverlayChangesTest, AddedModifiedAndDeletedInWalkOrderWithParents) {
  mkdir("upper/bin");
  mkdir("upper/etc");
  write("upper/etc/passwd", "root\nu");
  if (!whiteout("upper/bin/ls")) GTEST_SKIP() << "mknod needs CAP_MKNOD";
  mkdir("upper/new/sub");
  write("upper/new/sub/f", "x");
  mkdir("upper/var/lib");
  write("upper/var/lib/db", "x");
  // Directories whose mode, size and mtime match the lower ones (as after a copy-up) are
  // listed only as the parent of what was added or deleted below them; /etc, whose
  // mtime differs, is a change of its own.
  same_times("bin");
  same_times("var/lib");
  same_times("var");
  // File times come from the kernel's coarse clock: the two /etc could share one tick.
  struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, t_.sub("lower/etc").c_str(), old, 0), 0);
  std::vector<Change> want = {
      {"/bin", ChangeKind::kModify},    {"/bin/ls", ChangeKind::kDelete},
      {"/etc", ChangeKind::kModify},    {"/etc/passwd", ChangeKind::kModify},
      {"/new", ChangeKind::kAdd},       {"/new/sub", ChangeKind::kAdd},
      {"/new/sub/f", ChangeKind::kAdd}, {"/var/lib", ChangeKind::kModify},
      {"/var/lib/db", ChangeKind::kAdd}};
  EXPECT_EQ(changes(), want);
}

TEST_F(OverlayChangesTest, OpaqueDirectoryOverALowerOneIsADeletionThenItsContents) {
  mkdir("upper/etc");
  if (::setxattr(t_.sub("upper/etc").c_str(), "trusted.overlay.opaque", "y", 1, 0) != 0)
    GTEST_SKIP() << "trusted xattrs need CAP_SYS_ADMIN";
  write("upper/etc/new", "x");
  std::vector<Change> want = {{"/etc", ChangeKind::kDelete}, {"/etc/new", ChangeKind::kAdd}};
  EXPECT_EQ(changes(), want);
}

TEST_F(OverlayChangesTest, GeneratedMountPointsAreLeftOutWhenEmpty) {
  mkdir("upper/etc");
  write("upper/etc/hosts", "");
  write("upper/etc/resolv.conf", "");
  EXPECT_EQ(changes(generated_mount_points()), std::vector<Change>{});
  // One the container wrote (it was not mounted over) is a change like any other.
  write("upper/etc/hostname", "box");
  std::vector<Change> want = {{"/etc", ChangeKind::kModify}, {"/etc/hostname", ChangeKind::kAdd}};
  EXPECT_EQ(changes(generated_mount_points()), want);
}

// vfs: rootfs/ is a copy of the layers (snapshot::copy_layers), then changed in place.
class CopyChangesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::is_root()) GTEST_SKIP() << "needs root: the copy keeps owners";
    for (const char* d : {"base/etc", "base/bin", "base/var/lib", "top", "rootfs"})
      ASSERT_TRUE(sys::mkdir_p(t_.sub(d)).ok());
    write("base/etc/passwd", "root");
    write("base/bin/ls", "ls");
    write("base/bin/cat", "cat");
    write("top/bin/sh", "sh");
    // File times come from the kernel's coarse clock: a change made right after the copy
    // could share its tick.
    struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
    for (const char* p : {"base/etc", "base/bin", "base/var/lib", "base/var", "top/bin"})
      ASSERT_EQ(::utimensat(AT_FDCWD, t_.sub(p).c_str(), old, 0), 0);
  }
  void write(const std::string& rel, const std::string& data) {
    std::string p = t_.sub(rel);
    ASSERT_TRUE(sys::mkdir_p(p.substr(0, p.rfind('/'))).ok());
    ASSERT_TRUE(sys::write_file_atomic(p, data).ok());
  }
  void copy() {
    layers_.clear();
    for (const char* l : {"top", "base"}) layers_.push_back(MUST(sys::open_dir(t_.sub(l))));
    auto root = MUST(sys::open_dir(t_.sub("rootfs")));
    ASSERT_OK(snapshot::copy_layers(fds(), root.get()));
  }
  std::vector<int> fds() {
    std::vector<int> out;
    for (const auto& l : layers_) out.push_back(l.get());
    return out;
  }
  TreeChanges changes(const std::vector<std::string>& skip = {}) {
    auto root = MUST(sys::open_dir(t_.sub("rootfs")));
    auto out = copy_changes(root.get(), fds(), skip);
    EXPECT_TRUE(out.ok()) << out.error().message();
    return out.ok() ? *out : TreeChanges{};
  }
  testing::TempDir t_;
  std::vector<UniqueFd> layers_;
};

TEST_F(CopyChangesTest, AFreshCopyHasNoChanges) {
  copy();
  TreeChanges c = changes();
  EXPECT_EQ(c.changes, std::vector<Change>{});
  EXPECT_EQ(c.bytes, 0u);
}

TEST_F(CopyChangesTest, AddedModifiedAndDeletedInOverlaysOrder) {
  copy();
  write("rootfs/etc/passwd", "root\nu");
  ASSERT_EQ(::unlink(t_.sub("rootfs/bin/ls").c_str()), 0);
  write("rootfs/new/sub/f", "x");
  write("rootfs/var/lib/db", "xy");
  ASSERT_EQ(::link(t_.sub("rootfs/var/lib/db").c_str(), t_.sub("rootfs/var/lib/db2").c_str()), 0);
  // What overlay_changes lists for the same writes (OverlayChangesTest above).
  std::vector<Change> want = {
      {"/bin", ChangeKind::kModify},     {"/bin/ls", ChangeKind::kDelete},
      {"/etc", ChangeKind::kModify},     {"/etc/passwd", ChangeKind::kModify},
      {"/new", ChangeKind::kAdd},        {"/new/sub", ChangeKind::kAdd},
      {"/new/sub/f", ChangeKind::kAdd},  {"/var/lib", ChangeKind::kModify},
      {"/var/lib/db", ChangeKind::kAdd}, {"/var/lib/db2", ChangeKind::kAdd}};
  TreeChanges c = changes();
  EXPECT_EQ(c.changes, want);
  EXPECT_EQ(c.bytes, 6u + 1 + 2);  // passwd, f, and db once for its two names
}

TEST_F(CopyChangesTest, ADeletedDirectoryIsOneDeletionAndTheLastNameIsSeen) {
  write("base/zzz/deep/f", "z");
  copy();
  ASSERT_OK(sys::remove_all(t_.sub("rootfs/zzz")));
  ASSERT_EQ(::unlink(t_.sub("rootfs/bin/sh").c_str()), 0);  // from the top layer
  std::vector<Change> want = {{"/bin", ChangeKind::kModify},
                              {"/bin/sh", ChangeKind::kDelete},
                              {"/zzz", ChangeKind::kDelete}};
  EXPECT_EQ(changes().changes, want);
}

TEST_F(CopyChangesTest, ModeOwnerAndTypeChangesAreChanges) {
  copy();
  ASSERT_EQ(::chmod(t_.sub("rootfs/bin/cat").c_str(), 0700), 0);
  ASSERT_EQ(::lchown(t_.sub("rootfs/etc/passwd").c_str(), 5, 5), 0);
  ASSERT_EQ(::unlink(t_.sub("rootfs/bin/ls").c_str()), 0);
  ASSERT_EQ(::mkdir(t_.sub("rootfs/bin/ls").c_str(), 0755), 0);
  std::vector<Change> want = {{"/bin", ChangeKind::kModify},
                              {"/bin/cat", ChangeKind::kModify},
                              {"/bin/ls", ChangeKind::kModify},
                              {"/etc/passwd", ChangeKind::kModify}};
  EXPECT_EQ(changes().changes, want);
}

TEST_F(CopyChangesTest, GeneratedMountPointsAreLeftOutWhenEmpty) {
  copy();
  write("rootfs/etc/hosts", "");
  write("rootfs/etc/resolv.conf", "");
  EXPECT_EQ(changes(generated_mount_points()).changes, std::vector<Change>{});
  write("rootfs/etc/hostname", "box");
  std::vector<Change> want = {{"/etc", ChangeKind::kModify}, {"/etc/hostname", ChangeKind::kAdd}};
  EXPECT_EQ(changes(generated_mount_points()).changes, want);
}

TEST(CopyPathTest, ContentsTrailingSlashAndClimbing) {
  CopyPath p = parse_copy_path("/tmp/d/.");
  EXPECT_EQ(p.dir, "tmp");
  EXPECT_EQ(p.base, "d");
  EXPECT_TRUE(p.contents);
  EXPECT_TRUE(p.trailing_slash);
  p = parse_copy_path("tmp//x/");
  EXPECT_EQ(p.dir, "tmp");
  EXPECT_EQ(p.base, "x");
  EXPECT_FALSE(p.contents);
  EXPECT_TRUE(p.trailing_slash);
  // ".." stays in dir, to be resolved (and clamped) inside the root.
  p = parse_copy_path("../../etc");
  EXPECT_EQ(p.dir, "../..");
  EXPECT_EQ(p.base, "etc");
  p = parse_copy_path("a/..");
  EXPECT_EQ(p.dir, "a/..");
  EXPECT_EQ(p.base, "");
  p = parse_copy_path("/");
  EXPECT_EQ(p.dir, "");
  EXPECT_EQ(p.base, "");
}

}  // namespace
}  // namespace strata::container
