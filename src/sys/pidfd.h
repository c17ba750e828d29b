// SPDX-License-Identifier: Apache-2.0
// Process file descriptors (pidfd_open(2), pidfd_send_signal(2)): a handle on one
// process that a reused pid can never redirect. Signalling a pidfd whose process has
// exited fails with ESRCH instead of reaching whichever process got the number next.
#pragma once

#include <sys/types.h>

#include "util/result.h"
#include "util/unique_fd.h"

namespace strata::sys {

// A close-on-exec pidfd for `pid`. kNotFound (ESRCH) if no such process.
Result<UniqueFd> pidfd_open(pid_t pid);

// Sends `sig` to the process behind `pidfd`. kNotFound (ESRCH) once it has exited.
Result<void> pidfd_send_signal(int pidfd, int sig);

// Whether the process behind `pidfd` has not exited yet (a zombie counts as exited).
bool pidfd_alive(int pidfd);

}  // namespace strata::sys
