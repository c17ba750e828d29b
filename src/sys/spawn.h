// SPDX-License-Identifier: Apache-2.0
// Starting other programs with posix_spawn, so that a multithreaded caller runs none of
// its own code between fork and exec: the engine starts the monitor, OCI runtimes and
// host tools (ps) this way.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "util/result.h"

namespace strata::sys {

// Where a spawned program's stdio comes from: a descriptor of the caller, kNull for
// /dev/null, kInherit for the caller's own.
struct SpawnFds {
  static constexpr int kNull = -1, kInherit = -2;
  int in = kNull, out = kNull, err = kNull;
  int extra = -1;  // if >= 0, given to the program as its fd 3
};

// Starts argv[0] (a path) with `fds`; every other descriptor is closed in the child.
Result<pid_t> spawn(const std::vector<std::string>& argv, const SpawnFds& fds);

// Waits for `pid`: its exit code, or 128 + the signal that killed it.
Result<int> wait_exit(pid_t pid);

struct Captured {
  int status = 0;
  std::string out, err;
};
// Runs argv with stdin from /dev/null and collects its output (at most max_bytes of each
// stream; the rest is read and dropped).
Result<Captured> run_captured(const std::vector<std::string>& argv, size_t max_bytes = 16 << 20);

}  // namespace strata::sys
