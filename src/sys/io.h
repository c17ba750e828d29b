// SPDX-License-Identifier: Apache-2.0
// Writing a whole buffer to a file descriptor: the one loop over short writes and EINTR
// that every writer in the runtime uses. Allocates nothing, so runtime/init may call it
// between clone() and execve().
#pragma once

#include <string_view>

namespace strata::sys {

// Writes all of `data` to `fd`, retrying short writes and EINTR. Returns 0, or -1 with
// errno set by the write that failed (a write that makes no progress sets EIO).
int write_all(int fd, std::string_view data);

// The same for a socket, with MSG_NOSIGNAL: a peer that went away is EPIPE, not a
// SIGPIPE that kills the writer.
int send_all(int sock, std::string_view data);

// Opens /dev/null on each of fds 0, 1 and 2 that is not open, so that no file opened
// later takes a stdio number (and gets written to as stderr, or handed on as stdin).
// Returns 0, or -1 with errno.
int ensure_stdio_open();

}  // namespace strata::sys
