// SPDX-License-Identifier: Apache-2.0
// The v2 manager against a plain directory tree standing in for /sys/fs/cgroup: this
// machine's v2 hierarchy has no controllers, so the limit files are checked here for
// the values a pure-v2 host would get (runc's conversions).
#include "runtime/cgroup/cgroup.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "runtime/cgroup/limits.h"
#include "sys/fs.h"
#include "testutil/testutil.h"
#include "util/strings.h"

namespace strata::runtime::cgroup {
namespace {

using strata::testing::TempDir;

constexpr const char* kFiles[] = {"memory.max", "memory.low",      "memory.swap.max", "cpu.weight",
                                  "cpu.max",    "cpu.max.burst",   "cpuset.cpus",     "cpuset.mems",
                                  "pids.max",   "io.weight",       "cgroup.procs",    "io.max",
                                  "cpu.idle",   "hugetlb.2MB.max", "rdma.max"};

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

TEST_F(V2Test, UpdateWritesOnlyTheGivenValues) {
  ASSERT_OK(sys::write_existing_file(t_.sub("cg/a/ctr/cpu.max"), "20000 100000"));
  oci::Resources r;
  r.memory_limit = 64 << 20;
  r.pids_limit = 7;
  ASSERT_OK(mgr_->update(r));
  EXPECT_EQ(file("a/ctr/memory.max"), "67108864");
  EXPECT_EQ(file("a/ctr/pids.max"), "7");
  EXPECT_EQ(file("a/ctr/cpu.max"), "20000 100000");  // not given: left as it is
}

TEST_F(V2Test, UpdateWithCheckBeforeUpdateRefusesALimitBelowTheUsage) {
  ASSERT_OK(sys::write_file_atomic(t_.sub("cg/a/ctr/memory.current"), "52428800\n"));
  ASSERT_OK(sys::write_existing_file(t_.sub("cg/a/ctr/memory.max"), "max"));
  oci::Resources r;
  r.memory_limit = 16 << 20;
  r.memory_check_before_update = true;
  auto got = mgr_->update(r);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code(), Errc::kInvalidArgument);
  EXPECT_EQ(got.error().message(),
            "linux.resources.memory.limit: 16777216 bytes is below the container's current "
            "memory usage (52428800 bytes)");
  EXPECT_EQ(file("a/ctr/memory.max"), "max");
  r.memory_check_before_update = false;  // the kernel's way: written (it then reclaims)
  ASSERT_OK(mgr_->update(r));
  EXPECT_EQ(file("a/ctr/memory.max"), "16777216");
}

TEST(ResourcesJsonTest, UpdateResourcesAreReadAsConfigJsonsAndNamed) {
  auto r = oci::parse_linux_resources(
      oci::Json::parse(R"({"memory": {"limit": 1048576, "checkBeforeUpdate": true},
                           "pids": {"limit": 5}})"));
  ASSERT_OK(r);
  EXPECT_EQ(r->memory_limit, 1048576);
  EXPECT_TRUE(r->memory_check_before_update);
  EXPECT_EQ(r->pids_limit, 5);
  auto bad = oci::parse_linux_resources(oci::Json::parse(R"({"memory": {"limit": "1m"}})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("linux.resources.memory.limit"), std::string::npos)
      << bad.error().message();
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

TEST_F(V2Test, BlockIoWeightsAndThrottlesLandInTheIoFiles) {
  oci::Resources r;
  r.block_io.weight = 500;  // v1's scale: io.weight gets runc's conversion
  r.block_io.throttle_write_iops.push_back({8, 16, 300});
  ASSERT_OK(mgr_->create(r));
  EXPECT_EQ(file("a/ctr/io.weight"), "4950");  // 1 + (500 - 10) * 9999 / 990
  EXPECT_EQ(file("a/ctr/io.max"), "8:16 wiops=300");
  // A rate of 0 (v1: no limit) is "max" on v2.
  ASSERT_OK(sys::write_file_atomic(t_.sub("cg/a/ctr/io.max"), ""));  // as a fresh cgroup
  oci::Resources zero;
  zero.block_io.throttle_read_bps.push_back({8, 0, 0});
  ASSERT_OK(mgr_->create(zero));
  EXPECT_EQ(file("a/ctr/io.max"), "8:0 rbps=max");
}

TEST_F(V2Test, WithBfqTheWeightIsWrittenAsIs) {
  ASSERT_OK(sys::write_file_atomic(t_.sub("cg/a/ctr/io.bfq.weight"), ""));
  oci::Resources r;
  r.block_io.weight = 500;
  r.block_io.weight_device.push_back({8, 0, 200, std::nullopt});
  ASSERT_OK(mgr_->create(r));
  EXPECT_EQ(file("a/ctr/io.bfq.weight"), "8:0 200");  // the last write: the device's
  EXPECT_EQ(file("a/ctr/io.weight"), "");
}

TEST_F(V2Test, HugepagesRdmaAndCpuIdle) {
  oci::Resources r;
  r.hugepage_limits.push_back({"2MB", 4 << 20});
  r.rdma["mlx5_1"] = {3, 1000};
  r.cpu_idle = 1;
  ASSERT_OK(mgr_->create(r));
  EXPECT_EQ(file("a/ctr/hugetlb.2MB.max"), "4194304");
  EXPECT_EQ(file("a/ctr/rdma.max"), "mlx5_1 hca_handle=3 hca_object=1000");
  EXPECT_EQ(file("a/ctr/cpu.idle"), "1");
}

TEST_F(V2Test, WhatV2HasNoFileForIsRefusedByName) {
  auto refused = [&](const oci::Resources& r) {
    auto made = mgr_->create(r);
    return made.ok() ? std::string("ok") : made.error().message();
  };
  oci::Resources tcp;
  tcp.memory_kernel_tcp = 1 << 20;
  EXPECT_EQ(refused(tcp),
            "linux.resources.memory.kernelTCP: cgroup v2 has no TCP memory limit (TCP buffers "
            "count toward memory.max)");
  oci::Resources rt;
  rt.cpu_realtime_runtime = 1000;
  EXPECT_EQ(refused(rt),
            "linux.resources.cpu.realtimeRuntime: cgroup v2 has no realtime cpu budget");
  oci::Resources leaf;
  leaf.block_io.leaf_weight = 100;
  EXPECT_EQ(refused(leaf), "linux.resources.blockIO.leafWeight: cgroup v2 has no leaf weights");
  oci::Resources net;
  net.network_class_id = 7;
  EXPECT_EQ(refused(net),
            "linux.resources.network: cgroup v2 has no net_cls or net_prio (use a BPF program)");
  // Deprecated kernel memory is ignored (with a warning), as by runc 1.1.
  oci::Resources kmem;
  kmem.memory_kernel = 1 << 20;
  EXPECT_EQ(refused(kmem), "ok");
}

TEST_F(V2Test, ProcessesAreListedFromTheWholeSubtree) {
  // A container's processes may make cgroups below its own and move into them.
  ASSERT_OK(sys::write_file_atomic(t_.sub("cg/a/ctr/cgroup.procs"), "10\n"));
  ASSERT_OK(sys::mkdir_p(t_.sub("cg/a/ctr/x/y")));
  ASSERT_OK(sys::mkdir_p(t_.sub("cg/a/ctr/z")));
  ASSERT_OK(sys::write_file_atomic(t_.sub("cg/a/ctr/x/y/cgroup.procs"), "11\n12\n"));
  ASSERT_OK(sys::write_file_atomic(t_.sub("cg/a/ctr/z/cgroup.procs"), "13\n"));
  auto procs = mgr_->processes();
  ASSERT_OK(procs);
  std::sort(procs->begin(), procs->end());
  EXPECT_EQ(*procs, (std::vector<pid_t>{10, 11, 12, 13}));
  // No cgroup.kill (before Linux 5.14): the caller signals them one by one.
  auto killed = mgr_->kill_all();
  ASSERT_OK(killed);
  EXPECT_FALSE(*killed);
}

TEST(ConversionTest, RuncsWeightConversions) {
  EXPECT_EQ(shares_to_weight(2), 1u);
  EXPECT_EQ(shares_to_weight(262144), 10000u);
  EXPECT_EQ(shares_to_weight(0), 1u);  // clamped, never below the range
  EXPECT_EQ(blkio_weight_to_io_weight(10), 1u);
  EXPECT_EQ(blkio_weight_to_io_weight(1000), 10000u);
  EXPECT_EQ(blkio_weight_to_io_weight(1), 1u);  // BFQ allows 1-9: no unsigned wrap-around
}

}  // namespace
}  // namespace strata::runtime::cgroup
