// SPDX-License-Identifier: Apache-2.0
// run_hook's timeout: one CLOCK_MONOTONIC deadline over writing the state to the hook's
// stdin and waiting for its exit.
#include "runtime/init/hook.h"

#include <gtest/gtest.h>
#include <time.h>

#include <string>

namespace strata::runtime::init {
namespace {

double seconds_since(const struct timespec& t0) {
  struct timespec t;
  ::clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9;
}

Hook sh(const std::string& script) {
  Hook h;
  h.path = "/bin/sh";
  h.args = {"sh", "-c", script};
  h.timeout = 1;
  return h;
}

TEST(HookTest, TheTimeoutHoldsWhileTheStateFillsAHookThatNeverReads) {
  // 1 MB does not fit the socket's buffer: the write blocked before the timeout counted.
  struct timespec t0;
  ::clock_gettime(CLOCK_MONOTONIC, &t0);
  auto r = run_hook(sh("exec sleep 1000"), std::string(1 << 20, 'x'));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "hook `/bin/sh`: timed out after 1 s");
  EXPECT_LT(seconds_since(t0), 3.0);
}

TEST(HookTest, TheTimeoutIsWallClockTime) {
  // A count of 1 ms sleeps came late: each sleep and wait took more than 1 ms (2.3 s
  // for a 2 s timeout on an idle machine, more under load).
  struct timespec t0;
  ::clock_gettime(CLOCK_MONOTONIC, &t0);
  Hook h = sh("cat >/dev/null; exec sleep 1000");
  h.timeout = 2;
  auto r = run_hook(h, "{}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "hook `/bin/sh`: timed out after 2 s");
  double took = seconds_since(t0);
  EXPECT_GE(took, 2.0);
  EXPECT_LT(took, 2.1);
}

TEST(HookTest, AHookReadsTheWholeStateAndItsExitIsSeen) {
  std::string state(3 << 20, 'y');
  EXPECT_TRUE(run_hook(sh("test \"$(wc -c)\" -eq 3145728"), state).ok());
  auto r = run_hook(sh("exit 3"), state);  // never reads: fine, its status counts
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "hook `/bin/sh`: exited with status 3");
}

}  // namespace
}  // namespace strata::runtime::init
