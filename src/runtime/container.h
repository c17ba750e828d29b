// SPDX-License-Identifier: Apache-2.0
// Container lifecycle with runc's semantics: create (init waits on the exec fifo),
// start, state, kill, delete, list. State lives in <root>/<id>/state.json; the status
// is computed from the init process (checked by its start time against pid reuse),
// the exec fifo and the freezer.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "oci/json.h"
#include "runtime/plan.h"
#include "util/unique_fd.h"

namespace strata::runtime {

struct CreateOptions {
  std::string id, bundle, pid_file, console_socket;
  int preserve_fds = 0;
  bool no_pivot = false;
};

struct ContainerState {
  std::string oci_version, id, status, bundle, rootfs, created, owner;
  pid_t pid = 0;
  uint64_t start_time = 0;
  std::map<std::string, std::string> annotations;
  CgroupView cgroup;
};

// Connects to a --console-socket (for the pty master of a terminal process).
Result<UniqueFd> connect_console(const std::string& path);
// clone(2) as fork does, with `flags` (namespaces, CLONE_PARENT). With a cgroup
// directory fd, clone3's CLONE_INTO_CGROUP puts the child in that (v2) cgroup at birth
// and *placed says so: no migration, whose lock costs an RCU grace period. When clone3
// fails (before Linux 5.7, or the cgroup refuses) it falls back to plain clone, and the
// caller moves the child.
long clone_child(unsigned long flags, int cgroup_fd, bool* placed);

// A process cloned by a short-lived joiner (which entered namespaces first), as the
// joiner reports it over a socket: report_child sends "P<pid> <placed>" or, for a
// failed clone, the error record "E<errno>:<what>", and exits the joiner.
struct Cloned {
  pid_t pid = 0;
  bool placed = false;
};
[[noreturn]] void report_child(int sock, long pid, bool placed, std::string_view what);
// Reaps the joiner and reads its report; `who` names it if it died without one.
Result<Cloned> await_child(pid_t joiner, int sock, std::string_view who);

// Compiles linux.seccomp into the plan (BPF, flags, and the notify agent's socket).
Result<void> add_seccomp(const oci::RuntimeSpec& spec, LaunchPlan* plan);
// Sends a listener fd the init passed (kSeccompFd) to the plan's agent.
Result<void> hand_listener(const LaunchPlan& plan, const oci::Json& state, pid_t pid,
                           const UniqueFd& listener);

// Validates a container ID: [A-Za-z0-9_.+-], at most 1024 characters, not "." or "..".
Result<void> check_id(const std::string& id);

// Creates the container; its init waits for start. Returns the init pid.
Result<pid_t> create_container(const std::string& root, const CreateOptions& o);
Result<void> start_container(const std::string& root, const std::string& id);
Result<ContainerState> load_state(const std::string& root, const std::string& id);
Result<std::vector<ContainerState>> list_containers(const std::string& root);
Result<void> kill_container(const std::string& root, const std::string& id, int sig, bool all);
// Force kills what still runs; without force a container that is not stopped is an error.
Result<void> delete_container(const std::string& root, const std::string& id, bool force);
Result<void> pause_container(const std::string& root, const std::string& id, bool pause);

oci::Json state_json(const ContainerState& s);
// "KILL", "SIGKILL" or "9" -> 9; -1 if unknown.
int parse_signal(std::string_view s);

// CVE-2019-5736: re-executes this binary from a sealed memfd copy (once), so that a
// container process can never write to the runtime binary through /proc/<pid>/exe.
void ensure_sealed_self(char** argv);
// True once this process runs from the sealed copy.
bool running_sealed();

}  // namespace strata::runtime
