// SPDX-License-Identifier: Apache-2.0
// The sync protocol between the runtime and a process it starts (a container's init,
// an exec'd process, a short-lived namespace joiner), over a SOCK_SEQPACKET pair that
// is close-on-exec: one record per message, so EOF after the child's last record means
// it exec'd or died. The child side allocates nothing it cannot do without.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "util/result.h"

namespace strata::runtime::init {

// Parent -> child: go on, once id maps and cgroups are in place: "G<size>" and the
// payload (for the init, the state JSON the hooks get) in the records after it
// (send_go); after kHooks it is a bare answer.
inline constexpr char kGo = 'G';
// Init -> parent: set up and waiting for start (the last record before exec).
inline constexpr char kReady = 'R';
// Init -> parent, after its mounts and before pivot_root, when prestart/createRuntime
// hooks exist: the parent runs them and answers kGo (or closes the socket).
inline constexpr char kHooks = 'H';
// Child -> parent right after loading a filter with SCMP_ACT_NOTIFY rules: the
// listener fd rides along (SCM_RIGHTS); no answer is awaited.
inline constexpr char kSeccompFd = 'S';
// Child -> parent: "E<errno>:<message>", then the child exits.
inline constexpr char kError = 'E';
// Joiner -> parent: "P<pid> <1 if cloned into its cgroup, else 0>", then it exits.
inline constexpr char kCloned = 'P';

// The largest payload kGo carries: create refuses a bigger state before it makes
// anything, and the child allocates no more than this for it.
inline constexpr size_t kMaxGoPayloadBytes = 4 << 20;

// Parent side: kGo with `payload` of any size up to kMaxGoPayloadBytes, in records of
// at most 32 KiB (a SOCK_SEQPACKET record must fit the socket's send buffer). Returns
// 0, or -1 with errno (EMSGSIZE: over the cap; EPIPE: the child is gone).
int send_go(int sock, std::string_view payload);

// Child side: waits for send_go's records and puts the payload in *payload (one
// allocation of the announced size, checked against the cap first). false if the
// parent closed the socket, sent something else, or announced too much.
bool recv_go(int sock, std::string* payload);

// Child side: sends the error record for `err` and `what`, then _exit(1).
[[noreturn]] void fail_and_exit(int sock, int err, std::string_view what);

// Joiner side: reports the pid of the process it cloned (or, for pid < 0, the error
// record of errno and `what`), then _exit.
[[noreturn]] void report_clone(int sock, long pid, bool placed, std::string_view what) noexcept;

// Parent side: an error record as an Error (errno text at the end, as from_errno).
Error error_from_record(std::string_view rec);

struct Cloned {
  pid_t pid = 0;
  bool placed = false;  // in its cgroup from birth (clone3 CLONE_INTO_CGROUP)
};
// Parent side: a joiner's kCloned record (or its error record).
Result<Cloned> parse_clone_report(std::string_view rec);

}  // namespace strata::runtime::init
