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

// A name for sun_path (108 bytes): `path` itself when it fits, else
// /proc/self/fd/N/BASENAME through an O_PATH fd on its directory, which *dir keeps open
// while the name is used (deep run roots, such as a test's temporary directory).
Result<std::string> socket_address(const std::string& path, UniqueFd* dir);

// Connects a SOCK_STREAM socket to `path`; errors name `what` and the path.
Result<UniqueFd> connect_unix(const std::string& path, std::string_view what);

// One sendmsg of `data` with `fd` attached. Returns sendmsg's result (-1 and errno).
ssize_t send_with_fd(int sock, std::string_view data, int fd);

// One recvmsg into buf. A descriptor that came with the message lands in *fd
// (close-on-exec); any others are closed. Returns recvmsg's result.
ssize_t recv_with_fd(int sock, char* buf, size_t size, UniqueFd* fd);

}  // namespace strata::sys
