// SPDX-License-Identifier: Apache-2.0
// What the engine and a container's monitor (strata-monitor) say to each other.
//
// Start-up, over the socket pair the engine passes as the monitor's fd 3 (lines):
//   monitor: "created <init pid>\n"       the runtime's create succeeded
//   engine:  "start\n"                    (after connecting to attach, if it attaches)
//   monitor: "started\n"                  the runtime's start succeeded
//   either failure: "error <message>\n", and the monitor undoes what it did.
// An engine that goes away (EOF) before "start" means: do not start; clean up.
//
// Attach, over RUNDIR/attach.sock (SOCK_STREAM): the monitor sends frames of a type byte,
// a 4-byte big-endian length and that many bytes; the client sends raw bytes for the
// container's stdin (when it has one open) and shuts down its write side for EOF.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>

namespace strata::container::monitor {

enum FrameType : uint8_t {
  kStdout = 1,
  kStderr = 2,
  kExit = 3,  // payload: the exit code in decimal, the last frame
};
inline constexpr size_t kFrameHeader = 5;
inline constexpr size_t kMaxFrame = 1 << 20;

// Files in a container's run directory.
inline constexpr const char* kLockFile = "monitor.lock";  // flock held by the live monitor
inline constexpr const char* kPidFile = "pid";            // the container's init (runtime)
inline constexpr const char* kExitFile = "exit";          // "<code> <finished unix ns> <oom 0|1>\n"
inline constexpr const char* kAttachSocket = "attach.sock";

// One start-up line, without its newline; what was read so far on EOF or an error.
inline std::string read_line(int fd) {
  std::string line;
  char ch;
  while (line.size() < 65536) {
    ssize_t n = ::read(fd, &ch, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || ch == '\n') break;
    line += ch;
  }
  return line;
}

}  // namespace strata::container::monitor
