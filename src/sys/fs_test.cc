// SPDX-License-Identifier: Apache-2.0
#include "sys/fs.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <vector>

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

// Makes `depth` nested directories "d/d/d/..." below dir, with a file in the deepest.
void make_deep_tree(const std::string& dir, int depth) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  for (int i = 0; i < depth; ++i) {
    ASSERT_EQ(::mkdirat(fd, "d", 0755), 0) << i;
    int sub = ::openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(sub, 0);
    ::close(fd);
    fd = sub;
  }
  int f = ::openat(fd, "leaf", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(f, 0);
  ASSERT_EQ(::write(f, "12345", 5), 5);
  ::close(f);
  ::close(fd);
}

std::string deep_path(int depth) {
  std::string p;
  for (int i = 0; i < depth; ++i) p += i == 0 ? "d" : "/d";
  return p;
}

// Lowers the soft fd limit for the test's lifetime: a recursive walk (one fd per
// level) runs out long before 2100 levels.
class FdLimit {
 public:
  explicit FdLimit(rlim_t n) {
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    struct rlimit low = saved_;
    low.rlim_cur = n;
    ::setrlimit(RLIMIT_NOFILE, &low);
  }
  ~FdLimit() { ::setrlimit(RLIMIT_NOFILE, &saved_); }

 private:
  struct rlimit saved_;
};

TEST(FsTest, RemoveAllAndTreeSizeWalkDeepTreesWithFewFds) {
  TempDir t;
  ASSERT_OK(mkdir_p(t.sub("deep")));
  make_deep_tree(t.sub("deep"), 2100);
  FdLimit limit(64);
  EXPECT_EQ(ASSERT_OK_AND_GET(tree_size(t.sub("deep"))), 5u);
  ASSERT_OK(remove_all(t.sub("deep")));
  EXPECT_FALSE(exists(t.sub("deep")));
}

TEST(FsTest, OpenInRootOpensPathsLongerThanPathMax) {
  TempDir t;
  ASSERT_OK(mkdir_p(t.sub("root")));
  make_deep_tree(t.sub("root"), 2100);  // "d/d/.../leaf": 4204 bytes
  auto root = ASSERT_OK_AND_GET(open_dir(t.sub("root")));
  auto fd = ASSERT_OK_AND_GET(open_in_root(root.get(), deep_path(2100) + "/leaf", O_RDONLY));
  char buf[8] = {};
  EXPECT_EQ(::read(fd.get(), buf, sizeof(buf)), 5);
  // A symlink deep in the path resolves beneath the directory it is in...
  auto deep = ASSERT_OK_AND_GET(open_in_root(root.get(), deep_path(2099), O_RDONLY));
  ASSERT_EQ(::symlinkat("d", deep.get(), "near"), 0);
  EXPECT_OK(open_in_root(root.get(), deep_path(2099) + "/near/leaf", O_RDONLY));
  // ...and one that would leave it is refused, not resolved differently.
  ASSERT_EQ(::symlinkat("/", deep.get(), "abs"), 0);
  auto r = open_in_root(root.get(), deep_path(2099) + "/abs/d", O_RDONLY);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kUnsupported);
  EXPECT_NE(r.error().message().find("leaves its directory"), std::string::npos)
      << r.error().message();
}

TEST(FsTest, WalkTreeVisitsSortedParentsFirstAndLeavesAfterChildren) {
  TempDir t;
  ASSERT_OK(mkdir_p(t.sub("w/b/y")));
  ASSERT_OK(mkdir_p(t.sub("w/a")));
  ASSERT_OK(write_file_atomic(t.sub("w/b/x"), "x"));
  ASSERT_OK(write_file_atomic(t.sub("w/c"), "c"));
  ASSERT_EQ(::symlink("/", t.sub("w/b/y/up").c_str()), 0);
  auto dir = ASSERT_OK_AND_GET(open_dir(t.sub("w")));
  std::vector<std::string> seen;
  WalkVisitor v;
  v.sorted = true;
  v.enter = [&](const WalkEntry& e) -> Result<bool> {
    seen.push_back("+" + std::string(e.path));
    EXPECT_EQ(S_ISDIR(e.st.st_mode), e.fd >= 0);
    return true;
  };
  v.leave = [&](const WalkEntry& e) -> Result<void> {
    seen.push_back("-" + std::string(e.path));
    return {};
  };
  ASSERT_OK(walk_tree(dir.get(), v));
  std::vector<std::string> want = {"+a", "-a", "+b", "+b/x", "+b/y", "+b/y/up", "-b/y", "-b", "+c"};
  EXPECT_EQ(seen, want);
}

}  // namespace
}  // namespace strata::sys
