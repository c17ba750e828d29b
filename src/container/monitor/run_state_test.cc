// SPDX-License-Identifier: Apache-2.0
#include "container/monitor/run_state.h"

#include <gtest/gtest.h>

namespace strata::container::monitor {
namespace {

TEST(RunStateTest, ExitRecordRoundTripsAndReadsOlderMonitors) {
  ExitRecord e{137, 1764662400123456789, true, 2};
  EXPECT_EQ(format_exit(e), "137 1764662400123456789 1 2\n");
  auto back = parse_exit(format_exit(e));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->code, 137);
  EXPECT_EQ(back->finished_ns, 1764662400123456789);
  EXPECT_TRUE(back->oom_killed);
  EXPECT_EQ(back->restart_count, 2);
  auto old = parse_exit("3 1764662400123456789 0\n");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->code, 3);
  EXPECT_FALSE(old->oom_killed);
  EXPECT_FALSE(old->restart_count);
  EXPECT_FALSE(parse_exit(""));
  EXPECT_FALSE(parse_exit("x 1"));
  EXPECT_FALSE(parse_exit("1 2 maybe"));
}

TEST(RunStateTest, StatusRoundTripsAndRefusesGarbage) {
  RunStatus s{true, 0, 3, 1, false, 100, 200};
  EXPECT_EQ(format_status(s), "restarting 0 3 1 0 100 200\n");
  auto back = parse_status(format_status(s));
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->restarting);
  EXPECT_EQ(back->restart_count, 3);
  EXPECT_EQ(back->exit_code, 1);
  EXPECT_EQ(back->started_ns, 100);
  EXPECT_EQ(back->finished_ns, 200);
  auto running = parse_status("running 4242 1 0 0 300 200");
  ASSERT_TRUE(running);
  EXPECT_FALSE(running->restarting);
  EXPECT_EQ(running->pid, 4242);
  EXPECT_FALSE(parse_status("paused 1 1 0 0 1 1"));
  EXPECT_FALSE(parse_status("running 1 1 0 0 1"));
  EXPECT_FALSE(parse_status("running 1 1 0 2 1 1"));
}

TEST(RunStateTest, StopFile) {
  EXPECT_TRUE(is_stop(kStopLine));
  EXPECT_FALSE(is_stop(""));
  EXPECT_FALSE(is_stop("later"));
}

TEST(RunStateTest, OomFileFromProcCgroup) {
  std::string v1 =
      "12:pids:/strata/abc\n11:memory:/strata/abc\n3:cpu,cpuacct:/strata/abc\n0::/user.slice\n";
  EXPECT_EQ(oom_events_file(v1, false), "/sys/fs/cgroup/memory/strata/abc/memory.oom_control");
  EXPECT_EQ(oom_events_file("0::/strata/abc\n", true), "/sys/fs/cgroup/strata/abc/memory.events");
  EXPECT_EQ(oom_events_file("3:cpu:/x\n", false), "");
  EXPECT_EQ(oom_events_file("", true), "");
}

TEST(RunStateTest, OomKillCount) {
  EXPECT_EQ(parse_oom_kill("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n"), 2);
  EXPECT_EQ(parse_oom_kill("low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\noom_group_kill 0\n"), 1);
  EXPECT_FALSE(parse_oom_kill("oom_kill_disable 0\nunder_oom 0\n"));
}

}  // namespace
}  // namespace strata::container::monitor
