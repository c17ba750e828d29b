// SPDX-License-Identifier: Apache-2.0
// What the engine and a container's monitor (strata-monitor) say to each other.
//
// Start-up, over the socket pair the engine passes as the monitor's fd 3 (lines):
//   monitor: "created <init pid>\n"       the runtime's create succeeded
//   engine:  "start\n"                    (after connecting to attach, if it attaches)
//   monitor: "started\n"                  the runtime's start succeeded
//   either failure: "error <message>\n", and the monitor undoes what it did.
// After "started" the monitor says nothing more on it: restarts and the exit are told in
// run-state files (run_state.h), and kExit ends each run for attach clients.
// An engine that goes away (EOF) before "start" means: do not start; clean up.
//
// Attach, over RUNDIR/attach.sock (SOCK_STREAM). Both sides send frames: a type byte, a
// 4-byte big-endian length and that many bytes.
//   monitor -> client: kStdout, kStderr (a tty container's output is all kStdout: the pty
//     is one stream, as Docker logs it), then kExit last. A client that does not read
//     is not waited for: each has a bounded buffer (kClientBuffer) and is dropped when
//     it overflows, so a stuck client never stalls the log or the container.
//   client -> monitor: kStdin (bytes for the container's stdin or pty; dropped when the
//     container has no stdin open), kStdinClose (EOF on the container's stdin; nothing
//     for a pty, which has no EOF), kResize (payload "ROWS COLS" in decimal: the pty's
//     window size, set with TIOCSWINSZ, which sends the container SIGWINCH). A client
//     that closes its socket only detaches: the container's stdin stays open.
//   Frames a client sends between connecting and the engine's "start" line are handled
//     before the runtime's start (the first window size is there before the process
//     runs).
//
// With a tty, the monitor listens on RUNDIR/console.sock while the runtime creates the
// container, and receives the pty master over it (SCM_RIGHTS, runc's --console-socket).
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace strata::container::monitor {

enum FrameType : uint8_t {
  kStdout = 1,
  kStderr = 2,
  kExit = 3,  // payload: the exit code in decimal, the last frame
  kStdin = 4,
  kStdinClose = 5,
  kResize = 6,  // payload: "ROWS COLS"
};
inline constexpr size_t kFrameHeader = 5;
inline constexpr size_t kMaxFrame = 1 << 20;
inline constexpr size_t kClientBuffer = 1 << 20;  // unsent bytes a client may have queued

// Files in a container's run directory.
inline constexpr const char* kLockFile = "monitor.lock";  // flock held by the live monitor
inline constexpr const char* kPidFile = "pid";            // the container's init (runtime)
inline constexpr const char* kExitFile = "exit";          // run_state.h: the final exit
inline constexpr const char* kAttachSocket = "attach.sock";
inline constexpr const char* kConsoleSocket = "console.sock";

// A frame as bytes: header and payload.
inline std::string frame(FrameType t, std::string_view data) {
  char head[kFrameHeader] = {static_cast<char>(t), static_cast<char>(data.size() >> 24),
                             static_cast<char>(data.size() >> 16),
                             static_cast<char>(data.size() >> 8), static_cast<char>(data.size())};
  std::string out(head, kFrameHeader);
  out.append(data);
  return out;
}

// Takes the first whole frame off `buf`: false if there is none yet (or, with *bad set,
// if the bytes are not a frame).
inline bool next_frame(std::string& buf, FrameType* type, std::string* payload, bool* bad) {
  *bad = false;
  if (buf.size() < kFrameHeader) return false;
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(buf[i])); };
  uint32_t len = b(1) << 24 | b(2) << 16 | b(3) << 8 | b(4);
  if (len > kMaxFrame) {
    *bad = true;
    return false;
  }
  if (buf.size() < kFrameHeader + len) return false;
  *type = static_cast<FrameType>(b(0));
  payload->assign(buf, kFrameHeader, len);
  buf.erase(0, kFrameHeader + len);
  return true;
}

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
