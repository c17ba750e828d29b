// SPDX-License-Identifier: Apache-2.0
// Container lifecycle with runc's semantics: create (init waits on the exec fifo),
// start, kill, delete, pause, list. State: runtime/state.h; processes are acted on by
// pidfd (runtime/process.h).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "runtime/state.h"

namespace strata::runtime {

struct CreateOptions {
  std::string id, bundle, pid_file, console_socket;
  int preserve_fds = 0;
  bool no_pivot = false;
};

// Fds 3 .. 3+n-1 must be open: kInvalidArgument names those that are not. Checked
// before the runtime opens anything, so that none of its own descriptors can take a
// preserved number and be handed to the container (CVE-2024-21626).
Result<void> check_preserved_fds(int n);

// Parses and compiles everything (seccomp included), and only then makes the state
// directory, the cgroup and the init, which waits for start. Returns the init pid.
// On failure nothing is left: no state directory, no cgroup, no process.
Result<pid_t> create_container(const std::string& root, const CreateOptions& o);
Result<void> start_container(const std::string& root, const std::string& id);
Result<std::vector<ContainerState>> list_containers(const std::string& root);
// Signals the init (or, with `all`, every process in the container's cgroup) by pidfd.
Result<void> kill_container(const std::string& root, const std::string& id, int sig, bool all);
// Force kills what still runs; without force a container that is not stopped is an
// error. With force, a damaged state.json is cleaned up as far as it still reads.
Result<void> delete_container(const std::string& root, const std::string& id, bool force);
Result<void> pause_container(const std::string& root, const std::string& id, bool pause);

// "KILL", "SIGKILL" or "9" -> 9; -1 if unknown.
int parse_signal(std::string_view s);

}  // namespace strata::runtime
