// SPDX-License-Identifier: Apache-2.0
// linux.seccomp (runtime-spec config-linux.md "Seccomp") compiled with libseccomp into
// BPF bytes in the runtime's parent process; runtime/init only loads the bytes.
#pragma once

#include <string>

#include "oci/json.h"
#include "util/result.h"

namespace strata::runtime::seccomp {

struct Filter {
  std::string bpf;     // struct sock_filter[]
  unsigned flags = 0;  // SECCOMP_FILTER_FLAG_*; NEW_LISTENER when a rule is SCMP_ACT_NOTIFY
  // Where the listener fd goes (set only when a rule is SCMP_ACT_NOTIFY).
  std::string listener_path, listener_metadata;
};

// kInvalidArgument / kUnsupported name the field ("linux.seccomp.syscalls[3].action").
// With a cache directory set, a profile compiled before is read from there.
Result<Filter> compile(const oci::Json& seccomp);

// Where compile keeps the BPF of the profiles it built (made 0700 on first use; the
// runtime's state root holds it). Empty (the default): no cache.
void set_cache_dir(const std::string& dir);

// Hands a seccomp listener fd to the agent at `listener_path`: one connection, the
// container process state (runtime-spec config-linux.md) as JSON with the fd attached
// by SCM_RIGHTS, then close. `state` is the container's state object; `pid` the
// process the filter belongs to.
Result<void> send_to_agent(const std::string& listener_path, const std::string& metadata,
                           const oci::Json& state, int pid, int fd);

}  // namespace strata::runtime::seccomp
