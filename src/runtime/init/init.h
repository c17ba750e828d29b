// SPDX-License-Identifier: Apache-2.0
// The code between clone() and execve(): it executes a LaunchPlan and decides nothing.
// Single-threaded, no allocation-heavy libraries, errors reported as records over the
// sync socket (init/sync.h; STYLE.md section 8). Drop order, numbered in run_init():
//   cgroups -> namespaces -> mounts -> pivot_root -> sysctl/rlimits -> masks ->
//   console -> cwd -> fds -> [seccomp] -> user/caps -> no_new_privs -> [seccomp] ->
//   ready -> wait for start -> exec.
// After the filter is loaded only the ready message, the exec fifo, startContainer
// hooks and execve run (and, without no_new_privs, the user and capability changes
// that must follow it): a profile need allow nothing else of ours.
#pragma once

#include <sys/types.h>

#include <vector>

#include "runtime/init/launch_plan.h"

namespace strata::runtime::init {

// The descriptors a child is handed. The runtime keeps every one of them above the
// preserved range (3 .. 3 + plan.preserve_fds - 1), and all are close-on-exec.
struct InitFds {
  int sync = -1;       // SOCK_SEQPACKET to the parent (init/sync.h)
  int exec_fifo = -1;  // init: O_PATH fd of the exec fifo; open for writing blocks until start
  int console = -1;    // connected --console-socket, when process.terminal
  int root = -1;       // exec: O_PATH fd of the init's root, chrooted into after setns
  // v1 `tasks` files the process writes "0" to, to join its cgroups itself (the
  // runtime opened them; see cgroup::Manager::Entry). Empty: the runtime moves it.
  std::vector<int> cgroup_join;
};

// The container's init, cloned into its new namespaces. `parent` is the runtime's pid,
// to notice a parent that died before the init started. Waits for kGo, sets up the
// container, reports kReady, waits on the exec fifo for start, and execs.
[[noreturn]] void run_init(const LaunchPlan& plan, const InitFds& fds, pid_t parent) noexcept;

// An exec'd process, forked by a joiner that entered the container's namespaces.
// Waits for kGo (cgroup joined), sets up the process part of the plan and execs.
[[noreturn]] void run_exec(const LaunchPlan& plan, const InitFds& fds) noexcept;

}  // namespace strata::runtime::init
