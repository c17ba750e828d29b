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
  unsigned flags = 0;  // SECCOMP_FILTER_FLAG_*
};

// kInvalidArgument / kUnsupported name the field ("linux.seccomp.syscalls[3].action").
Result<Filter> compile(const oci::Json& seccomp);

}  // namespace strata::runtime::seccomp
