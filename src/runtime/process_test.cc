// SPDX-License-Identifier: Apache-2.0
// pidfds against real processes: a recorded pid is acted on only while it is the
// process that started at the recorded time, and a held pidfd never reaches a reuser.
#include "runtime/process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys/pidfd.h"
#include "testutil/testutil.h"

namespace strata::runtime {
namespace {

pid_t start_sleeper() {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::pause();
    _exit(0);
  }
  return pid;
}

TEST(ProcStatTest, ParsesStateAndStartTimePastACommWithParens) {
  std::string rest = " S 1 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 123456 0 0";
  auto st = parse_proc_stat("42 (a) b) (c)" + rest);
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(st->state, 'S');
  EXPECT_EQ(st->start_time, 123456u);
}

TEST(ProcStatTest, MalformedTextIsAnErrorNotACrash) {
  for (std::string text :
       {"", "42 (a", "42 (a) S 1 2 3", "42 (a) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 12x3456 0",
        "42 (a) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99999999999999999999999 0"}) {
    auto st = parse_proc_stat(text);
    ASSERT_FALSE(st.ok()) << text;
    EXPECT_EQ(st.error().code(), Errc::kCorrupt) << text;
  }
}

TEST(ProcessTest, AnotherStartTimeIsNeverOpened) {
  pid_t pid = start_sleeper();
  ASSERT_GT(pid, 0);
  auto st = read_proc_stat(pid);
  ASSERT_TRUE(st.ok());
  // The pid now belongs to a process that started at another time than recorded.
  auto other = open_process(pid, st->start_time + 1);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code(), Errc::kNotFound);
  EXPECT_TRUE(process_alive(pid, st->start_time));
  auto fd = open_process(pid, st->start_time);
  ASSERT_TRUE(fd.ok()) << fd.error().message();
  ASSERT_OK(sys::pidfd_send_signal(fd->get(), SIGKILL));
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  // Reaped: whatever gets the number next, the held pidfd answers ESRCH.
  auto again = sys::pidfd_send_signal(fd->get(), SIGKILL);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().sys_errno(), ESRCH);
  EXPECT_FALSE(open_process(pid, st->start_time).ok());
}

TEST(ProcessTest, AZombieIsNotAlive) {
  pid_t pid = ::fork();
  if (pid == 0) _exit(0);
  auto st = read_proc_stat(pid);
  ASSERT_TRUE(st.ok());
  siginfo_t info;
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT), 0);
  EXPECT_FALSE(process_alive(pid, st->start_time));
  EXPECT_FALSE(open_process(pid, st->start_time).ok());
  ::waitpid(pid, nullptr, 0);
}

}  // namespace
}  // namespace strata::runtime
