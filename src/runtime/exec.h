// SPDX-License-Identifier: Apache-2.0
// `exec`: a new process in a running container's namespaces and cgroup, set up like the
// init (user, capabilities, no_new_privs, seccomp from the bundle, console).
#pragma once

#include <string>
#include <vector>

#include "util/result.h"

namespace strata::runtime {

struct ExecOptions {
  std::string id, process_file, cwd, user, pid_file, console_socket;
  std::vector<std::string> args, env, caps;
  bool tty = false, detach = false, no_new_privs = false;
  int preserve_fds = 0;
};

// Returns the process's exit code (0 with detach).
Result<int> exec_process(const std::string& root, const ExecOptions& o);

}  // namespace strata::runtime
