// SPDX-License-Identifier: Apache-2.0
// The code between clone() and execve(): it executes a LaunchPlan and decides nothing.
// Single-threaded, no allocation-heavy libraries, errors reported as records over the
// sync socket (STYLE.md section 8). Drop order, numbered in run_init():
//   namespaces -> mounts -> pivot_root -> masks -> host/sysctl/rlimits -> user ->
//   caps -> no_new_privs -> seccomp -> fds -> ready -> wait for start -> exec.
#pragma once

#include <string>

#include "runtime/plan.h"

namespace strata::runtime::init {

struct InitFds {
  int sync = -1;       // SOCK_SEQPACKET to the parent
  int exec_fifo = -1;  // O_PATH fd of the exec fifo; open for writing blocks until start
  int console = -1;    // connected --console-socket, when process.terminal
};

// Sync protocol. Parent -> child: kGo once id maps and cgroups are in place.
// Child -> parent: kReady (waiting for start), or an error record "E<errno>:<message>".
inline constexpr char kGo = 'G';  // followed by the state JSON, for hooks
inline constexpr char kReady = 'R';
// Child -> parent after mounts, before pivot_root, when prestart/createRuntime hooks
// exist; the parent runs them and answers kGo (or closes the socket).
inline constexpr char kHooks = 'H';
// Child -> parent right after loading a filter with SCMP_ACT_NOTIFY rules: the
// listener fd rides along (SCM_RIGHTS); no answer is awaited.
inline constexpr char kSeccompFd = 'S';

// `parent` is the runtime's pid, to notice a parent that died before the init started.
// For `exec`: runs in a process that already joined the container's namespaces; waits
// for kGo (cgroup joined), sets up the process part of the plan and execs.
// The parent's view of an error record "E<errno>:<message>".
Error error_from_record(std::string_view rec);

[[noreturn]] void run_exec(const LaunchPlan& plan, const InitFds& fds);

[[noreturn]] void run_init(const LaunchPlan& plan, const InitFds& fds, pid_t parent);

}  // namespace strata::runtime::init
