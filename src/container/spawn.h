// SPDX-License-Identifier: Apache-2.0
// How the engine starts its helpers (the monitor, the OCI runtime): posix_spawn, so no
// code of the engine runs between fork and exec.
#pragma once

#include <sys/types.h>

#include <array>
#include <string>
#include <vector>

#include "util/result.h"

namespace strata::container {

// Spawns argv with `stdio` as its fds 0, 1, 2 (-1: /dev/null) and `fd3` as its fd 3 (-1:
// none); nothing else is inherited.
Result<pid_t> spawn_process(const std::vector<std::string>& argv, std::array<int, 3> stdio,
                            int fd3);
// Waits for `pid`: its exit code, or 128 + the signal that killed it.
Result<int> wait_process(pid_t pid);

}  // namespace strata::container
