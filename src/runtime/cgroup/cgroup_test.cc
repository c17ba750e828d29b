// SPDX-License-Identifier: Apache-2.0
// The v2 manager against a plain directory tree standing in for /sys/fs/cgroup: this
// machine's v2 hierarchy has no controllers, so the limit files are checked here for
// the values a pure-v2 host would get (runc's conversions).
#include "runtime/cgroup/cgroup.h"

#include <gtest/gtest.h>

#include "sys/fs.h"
#include "testutil/testutil.h"
#include "util/strings.h"

namespace strata::runtime::cgroup {
namespace {

using strata::testing::TempDir;

constexpr const char* kFiles[] = {"memory.max", "memory.low",    "memory.swap.max", "cpu.weight",
                                  "cpu.max",    "cpu.max.burst", "cpuset.cpus",     "cpuset.mems",
                                  "pids.max",   "io.weight",     "cgroup.procs"};

class V2Test : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(sys::mkdir_p(t_.sub("cg/a/ctr")));
    ASSERT_OK(
        sys::write_file_atomic(t_.sub("cg/cgroup.controllers"), "cpuset cpu io memory pids\n"));
    for (const char* f : {"cg/cgroup.subtree_control", "cg/a/cgroup.subtree_control"})
      ASSERT_OK(sys::write_file_atomic(t_.sub(f), ""));
    for (const char* f : kFiles) ASSERT_OK(sys::write_file_atomic(t_.sub("cg/a/ctr/") + f, ""));
    mgr_ = v2_at(t_.sub("cg"), t_.sub("cg/a/ctr"));
  }
  std::string file(const std::string& rel) {
    auto text = sys::read_file(t_.sub("cg/" + rel));
    return text.ok() ? std::string(trim(*text)) : "<" + text.error().message() + ">";
  }

  TempDir t_;
  std::unique_ptr<Manager> mgr_;
};

TEST_F(V2Test, LimitsLandInTheV2FilesWithRuncsConversions) {
  oci::Resources r;
  r.memory_limit = 64 << 20;
  r.memory_reservation = 32 << 20;
  r.memory_swap = 128 << 20;  // the spec's swap is memory+swap; v2's is swap alone
  r.cpu_shares = 1024;
  r.cpu_quota = 50000;
  r.cpu_period = 100000;
  r.cpu_burst = 1000;
  r.cpuset_cpus = "0";
  r.cpuset_mems = "0";
  r.pids_limit = 100;
  r.unified["io.weight"] = "default 50";
  ASSERT_OK(mgr_->create(r));
  EXPECT_EQ(file("a/ctr/memory.max"), "67108864");
  EXPECT_EQ(file("a/ctr/memory.low"), "33554432");
  EXPECT_EQ(file("a/ctr/memory.swap.max"), "67108864");
  EXPECT_EQ(file("a/ctr/cpu.weight"), "39");  // 1 + (1024 - 2) * 9999 / 262142
  EXPECT_EQ(file("a/ctr/cpu.max"), "50000 100000");
  EXPECT_EQ(file("a/ctr/cpu.max.burst"), "1000");
  EXPECT_EQ(file("a/ctr/cpuset.cpus"), "0");
  EXPECT_EQ(file("a/ctr/pids.max"), "100");
  EXPECT_EQ(file("a/ctr/io.weight"), "default 50");
  // Every ancestor hands the controllers down.
  EXPECT_EQ(file("cgroup.subtree_control"), "+cpuset +cpu +io +memory +pids");
  EXPECT_EQ(file("a/cgroup.subtree_control"), "+cpuset +cpu +io +memory +pids");
  EXPECT_TRUE(mgr_->view().v2);
}

TEST_F(V2Test, UnlimitedValuesAreMax) {
  oci::Resources r;
  r.memory_limit = -1;
  r.memory_swap = -1;
  r.pids_limit = -1;
  r.cpu_quota = -1;
  ASSERT_OK(mgr_->create(r));
  EXPECT_EQ(file("a/ctr/memory.max"), "max");
  EXPECT_EQ(file("a/ctr/memory.swap.max"), "max");
  EXPECT_EQ(file("a/ctr/pids.max"), "max");
  EXPECT_EQ(file("a/ctr/cpu.max"), "max 100000");
}

TEST_F(V2Test, WhatV2CannotDoIsRefusedByName) {
  oci::Resources r;
  r.memory_swappiness = 10;
  auto made = mgr_->create(r);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().message(),
            "linux.resources.memory.swappiness: cgroup v2 has no swappiness");
  oci::Resources u;
  u.unified["nosuch.file"] = "1";
  made = mgr_->create(u);
  ASSERT_FALSE(made.ok());
  EXPECT_NE(made.error().message().find("linux.resources.unified.nosuch.file"), std::string::npos)
      << made.error().message();
}

}  // namespace
}  // namespace strata::runtime::cgroup
