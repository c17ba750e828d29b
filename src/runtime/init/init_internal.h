// SPDX-License-Identifier: Apache-2.0
// Shared by the files of runtime/init: how a step fails, and the steps themselves
// (mounts.cc: the file system; process.cc: the process; init.cc runs them in order).
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>
#include <vector>

#include "runtime/init/init.h"

namespace strata::runtime::init {

// A step's failure: the errno (0 if the message says it all) and what failed.
struct Failure {
  int err;
  std::string what;
};
using Step = std::optional<Failure>;

#define INIT_CHECK(expr, ...)                                        \
  do {                                                               \
    if ((expr) < 0) return Failure{errno, fmt::format(__VA_ARGS__)}; \
  } while (0)

#define INIT_STEP(expr)              \
  do {                               \
    if (auto f_ = (expr)) return f_; \
  } while (0)

// openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) of `path` below `root`, O_CLOEXEC.
int resolve(int root, const std::string& path, int flags);

// mounts.cc
// The container's own mount tree: / made rslave (nothing propagates to the host), the
// rootfs bound onto itself, the plan's mounts and device nodes, all placed on fds
// resolved inside the rootfs. *root receives an O_PATH fd of the rootfs. Without a
// mount namespace only the device nodes are made (the plan refuses the rest).
Step build_rootfs(const LaunchPlan& plan, int* root);
// pivot_root into the rootfs and detach the old root; --no-pivot: MS_MOVE + chroot;
// no mount namespace: chroot.
Step enter_rootfs(const LaunchPlan& plan, int root);
// Masked and read-only paths, read-only root, rootfs propagation (after pivot_root).
Step mask_and_protect(const LaunchPlan& plan);
// Binds the pty `peer` onto /dev/console.
Step bind_console(int peer);

// process.cc
// Hostname, sysctls, rlimits, oom score, umask, personality.
Step process_settings(const LaunchPlan& plan);
// A pty from the container's devpts, its master sent over the console socket.
Step setup_console(const LaunchPlan& plan, int console);
// The program to exec, found and laid out before the filter loads (nothing after it
// allocates).
struct Program {
  std::string path;
  std::vector<char*> argv, envp;  // pointing into the plan's args and env
};
// PATH lookup as execvp does, failing before start with runc's message.
Step find_program(const LaunchPlan& plan, Program* program);
// Everything from 3 + preserve_fds up close-on-exec, the preserved fds inheritable.
Step seal_fds(const LaunchPlan& plan, const InitFds& fds, int proc_fds);
// Bounding set, groups, gid, uid, then the capability sets and ambient ones.
Step become_user(const LaunchPlan& plan);
// Loads the filter; with SCMP_ACT_NOTIFY rules sends the listener to the parent.
Step load_seccomp(const LaunchPlan& plan, int sync);
// The process part shared by the init and exec: console, cwd, program lookup, fds,
// then seccomp and the user in the order no_new_privs dictates.
Step setup_process(const LaunchPlan& plan, const InitFds& fds, int proc_fds, Program* program);
[[noreturn]] void exec_program(const Program& program);

}  // namespace strata::runtime::init
