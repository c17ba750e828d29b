// SPDX-License-Identifier: Apache-2.0
#include "runtime/plan.h"

#include <gtest/gtest.h>
#include <sys/mount.h>

#include "sys/fs.h"
#include "testutil/testutil.h"

namespace strata::runtime {
namespace {

using strata::testing::TempDir;

MountOp options(std::vector<std::string> o) {
  MountOp op;
  EXPECT_TRUE(parse_mount_options(o, &op).ok());
  return op;
}

TEST(MountOptionsTest, AtimeOptionsPickOneModeAndTheLastWins) {
  constexpr unsigned long kModes = MS_NOATIME | MS_RELATIME | MS_STRICTATIME;
  EXPECT_FALSE(options({"ro"}).set_atime);
  EXPECT_EQ(options({"noatime", "strictatime"}).flags & kModes, MS_STRICTATIME);
  EXPECT_EQ(options({"strictatime", "noatime"}).flags & kModes, MS_NOATIME);
  EXPECT_EQ(options({"relatime"}).flags & kModes, MS_RELATIME);
  // atime / norelatime / nostrictatime drop one mode: the kernel's default is left.
  MountOp atime = options({"noatime", "atime"});
  EXPECT_TRUE(atime.set_atime);
  EXPECT_EQ(atime.flags & kModes, 0u);
  EXPECT_EQ(options({"strictatime", "norelatime"}).flags & kModes, MS_STRICTATIME);
  EXPECT_EQ(options({"strictatime", "nostrictatime"}).flags & kModes, 0u);
  EXPECT_TRUE(options({"nostrictatime"}).set_atime);
}

TEST(MountOptionsTest, ClearingOptionsAreRecorded) {
  MountOp op = options({"ro", "rw", "suid", "diratime"});
  EXPECT_EQ(op.flags, 0u);
  EXPECT_EQ(op.clear_flags, static_cast<unsigned long>(MS_RDONLY | MS_NOSUID | MS_NODIRATIME));
  MountOp back = options({"rw", "ro", "nodiratime"});
  EXPECT_EQ(back.flags, static_cast<unsigned long>(MS_RDONLY | MS_NODIRATIME));
  EXPECT_EQ(back.clear_flags, 0u);
}

class CompileTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(sys::mkdir_p(t_.sub("rootfs"))); }
  // A spec from config.json text with `extra` members.
  oci::RuntimeSpec spec(const std::string& extra) {
    auto s = oci::parse_spec(R"({"ociVersion":"1.0.2","root":{"path":"rootfs"},)"
                             R"("process":{"args":["sh"],"cwd":"/"})" +
                             extra + "}");
    EXPECT_TRUE(s.ok()) << s.error().message();
    return s.ok() ? std::move(s).value() : oci::RuntimeSpec{};
  }
  std::string error_of(const std::string& extra) {
    auto c = compile_spec(spec(extra), t_.path(), CgroupView{});
    return c.ok() ? "ok" : c.error().message();
  }
  TempDir t_;
};

TEST_F(CompileTest, NoMountNamespaceRefusesWhatWouldMountOnTheHost) {
  const std::string ns = R"(,"linux":{"namespaces":[{"type":"pid"}])";
  EXPECT_EQ(error_of(ns + "}"), "ok");
  auto c = compile_spec(spec(ns + "}"), t_.path(), CgroupView{});
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->plan.mount_namespace);
  EXPECT_EQ(error_of(R"(,"mounts":[{"destination":"/proc","type":"proc"}])" + ns + "}"),
            "mounts: a container without a mount namespace cannot have mounts (it would change "
            "the runtime's own mount table)");
  EXPECT_EQ(error_of(ns + R"(,"maskedPaths":["/proc/kcore"]})"),
            "linux.maskedPaths: a container without a mount namespace cannot mask paths (it "
            "would change the runtime's own mount table)");
  EXPECT_EQ(error_of(ns + R"(,"readonlyPaths":["/proc/sys"]})").substr(0, 21),
            "linux.readonlyPaths: ");
}

TEST_F(CompileTest, SeccompIsCompiledWithThePlan) {
  std::string bad =
      R"(,"linux":{"namespaces":[{"type":"mount"}],"seccomp":{"defaultAction":"SCMP_ACT_ALLOW",)"
      R"("syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_EXPLODE"}]}})";
  EXPECT_EQ(error_of(bad), "linux.seccomp.syscalls[0].action: unknown action \"SCMP_ACT_EXPLODE\"");
  std::string good =
      R"(,"linux":{"namespaces":[{"type":"mount"}],"seccomp":{"defaultAction":"SCMP_ACT_ALLOW",)"
      R"("syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]}})";
  auto c = compile_spec(spec(good), t_.path(), CgroupView{});
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_FALSE(c->plan.seccomp_bpf.empty());
}

TEST_F(CompileTest, CgroupMountsFollowAChangedView) {
  auto c = compile_spec(
      spec(R"(,"mounts":[{"destination":"/sys/fs/cgroup","type":"cgroup","source":"cgroup"}],)"
           R"("linux":{"namespaces":[{"type":"mount"}]})"),
      t_.path(), CgroupView{false, {{"pids", "/sys/fs/cgroup/pids/x"}}, "", {}});
  ASSERT_TRUE(c.ok()) << c.error().message();
  ASSERT_EQ(c->plan.mounts.size(), 1u);
  EXPECT_EQ(c->plan.mounts[0].kind, MountKind::kCgroupV1);
  EXPECT_EQ(c->plan.mounts[0].cgroup_dirs.size(), 1u);
  set_cgroup_view(&c->plan, CgroupView{});
  EXPECT_TRUE(c->plan.mounts[0].cgroup_dirs.empty());
}

}  // namespace
}  // namespace strata::runtime
