// SPDX-License-Identifier: Apache-2.0
// Starting a child for the init or an exec'd process: clone into namespaces (and a v2
// cgroup), optionally through a short-lived joiner that enters namespaces first, and
// the parent's half of the sync protocol (init/sync.h) that create and exec share.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>

#include "oci/json.h"
#include "oci/runtime_spec.h"
#include "runtime/init/sync.h"
#include "runtime/plan.h"
#include "util/unique_fd.h"

namespace strata::runtime {

// clone(2) as fork does, with `flags` (namespaces, CLONE_PARENT). With a cgroup
// directory fd, clone3's CLONE_INTO_CGROUP puts the child in that (v2) cgroup at birth
// and *placed says so: no migration, whose lock costs an RCU grace period. When clone3
// fails (before Linux 5.7, or the cgroup refuses) it falls back to plain clone, and the
// caller moves the child.
long clone_child(unsigned long flags, int cgroup_fd, bool* placed);

// Reaps a joiner and reads its report (init/sync.h kCloned); `who` names it if it
// died without one.
Result<init::Cloned> await_child(pid_t joiner, int sock, std::string_view who);

// Writes the id maps of a user namespace the init made (an unprivileged parent
// denies setgroups first, as the kernel requires).
Result<void> write_id_maps(pid_t pid, const oci::RuntimeSpec& spec);

// Connects to a --console-socket (for the pty master of a terminal process).
Result<UniqueFd> connect_console(const std::string& path);

// A connected SOCK_SEQPACKET pair, close-on-exec: parent end, child end.
Result<std::pair<UniqueFd, UniqueFd>> sync_pair();

// What the parent does for a child's requests during the hand-shake.
struct ChildRequests {
  std::function<Result<void>()> hooks;                      // kHooks (create)
  std::function<Result<void>(const UniqueFd&)> seccomp_fd;  // kSeccompFd
};
enum class ChildOutcome {
  kReady,   // the init reported kReady and waits for start
  kExeced,  // EOF: the sync socket closed on exec (or the child died)
};
// Sends kGo with `payload`, then serves the child's records until it is ready or the
// socket closes. An error record from the child comes back as its Error.
Result<ChildOutcome> hand_shake(int sock, std::string_view payload, const ChildRequests& requests);

// Sends a listener fd the child passed (kSeccompFd) to the spec's agent with the
// container process state (runtime-spec config-linux.md).
Result<void> hand_listener(const SeccompAgent& agent, const oci::Json& state, pid_t pid,
                           const UniqueFd& listener);

}  // namespace strata::runtime
