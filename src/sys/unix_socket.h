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

// `path` as a socket address: itself, or when it is longer than sun_path holds, the same
// file through its directory (opened O_PATH into *dir, to be kept open while the name
// is used) as /proc/PID/fd/N/NAME, which other processes of the same user can use too.
Result<std::string> socket_path(const std::string& path, std::string_view what, UniqueFd* dir);

// Connects a SOCK_STREAM socket to `path`; errors name `what` and the path. A path
// longer than sun_path holds (a deep run root) is reached through socket_path.
Result<UniqueFd> connect_unix(const std::string& path, std::string_view what);

// A SOCK_STREAM socket (non-blocking, close-on-exec) bound to `path` (an old file there
// is replaced) and listening; errors name `what` and the path.
Result<UniqueFd> listen_unix(const std::string& path, std::string_view what);

// One sendmsg of `data` with `fd` attached. Returns sendmsg's result (-1 and errno).
ssize_t send_with_fd(int sock, std::string_view data, int fd);

// One recvmsg into buf. A descriptor that came with the message lands in *fd
// (close-on-exec); any others are closed. Returns recvmsg's result.
ssize_t recv_with_fd(int sock, char* buf, size_t size, UniqueFd* fd);

}  // namespace strata::sys
