// SPDX-License-Identifier: Apache-2.0
// A container's processes by pidfd, never by a number that may have been reused: the
// pidfd is opened first and the process behind it checked afterwards (its start time
// for the init, its cgroup for the others), so a signal or a setns can only reach the
// process that was checked. Once it exits, the pidfd answers ESRCH.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string_view>

#include "runtime/cgroup/cgroup.h"
#include "util/result.h"
#include "util/unique_fd.h"

namespace strata::runtime {

// Field 3 (state) and 22 (start time, in clock ticks since boot) of /proc/<pid>/stat.
struct ProcStat {
  char state = '?';
  uint64_t start_time = 0;
};
// Parses the text of a /proc/<pid>/stat file (the comm may hold spaces and parens).
// kCorrupt if it does not parse.
Result<ProcStat> parse_proc_stat(std::string_view text);
// kNotFound if there is no such process.
Result<ProcStat> read_proc_stat(pid_t pid);

// Whether `pid` is the live process that started at `start_time` (not a zombie).
bool process_alive(pid_t pid, uint64_t start_time);

// A pidfd for `pid` if, once it is open, `pid` is still the live process that started
// at `start_time`. kNotFound otherwise ("the container's init exited").
Result<UniqueFd> open_process(pid_t pid, uint64_t start_time);

// Sends `sig` to every process in the cgroup and the cgroups below it, each by a pidfd
// opened while it was listed there: one that left, or a pid reused since, is never
// signalled (SIGKILL goes through cgroup.kill where there is one). Returns how many
// processes were signalled (for cgroup.kill: how many were listed).
Result<size_t> signal_cgroup(cgroup::Manager& cg, int sig);

}  // namespace strata::runtime
