// SPDX-License-Identifier: Apache-2.0
// AF_UNIX helpers: connecting by path, and one message carrying one file descriptor
// (SCM_RIGHTS). send_with_fd allocates nothing, so runtime/init may use it.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "util/result.h"
#include "util/unique_fd.h"

namespace strata::sys {

// Connects a SOCK_STREAM socket to `path`; errors name `what` and the path.
Result<UniqueFd> connect_unix(const std::string& path, std::string_view what);

// A listening SOCK_STREAM socket (close-on-exec, non-blocking) bound at `path`, which is
// replaced if it exists. Both calls take paths longer than sun_path's 108 bytes (deep
// run roots, long IDs): such a path is reached through /proc/self/fd/N/ of its directory.
Result<UniqueFd> listen_unix(const std::string& path, int backlog, std::string_view what);

// One sendmsg of `data` with `fd` attached. Returns sendmsg's result (-1 and errno).
ssize_t send_with_fd(int sock, std::string_view data, int fd);

// One recvmsg into buf. A descriptor that came with the message lands in *fd
// (close-on-exec); any others are closed. Returns recvmsg's result.
ssize_t recv_with_fd(int sock, char* buf, size_t size, UniqueFd* fd);

}  // namespace strata::sys
