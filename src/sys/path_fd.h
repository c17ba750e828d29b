// SPDX-License-Identifier: Apache-2.0
// O_PATH handles on entries of a directory that another process may change meanwhile (a
// running container's tree, CVE-2018-15664): opened without following the last component
// and without opening the file itself (a FIFO would block, a device's open acts), checked
// to be of the type expected, then changed or read only through the fd. chmod, utimensat
// and a reopen go through /proc/self/fd/N, the one way to reach an O_PATH fd's inode on
// every kernel (fchmod and futimens refuse O_PATH fds).
#pragma once

#include <sys/stat.h>

#include <string>

#include "util/result.h"
#include "util/unique_fd.h"

namespace strata::sys {

// The entry `name` of parent as an O_PATH fd. kUnavailable ("replaced while being
// `doing`") when it is not of `type` (S_IFREG, S_IFCHR, ...), or, with `same` given, not
// that inode (st_dev, st_ino).
Result<UniqueFd> open_path_checked(int parent, const std::string& name, mode_t type,
                                   std::string_view doing, const struct stat* same = nullptr);
// chmod, chown and utimensat of what an O_PATH fd holds (not a symlink).
Result<void> chmod_path_fd(int fd, mode_t mode);
Result<void> chown_path_fd(int fd, uid_t uid, gid_t gid);
Result<void> set_times_path_fd(int fd, const struct timespec times[2]);
// A new fd on the inode an O_PATH fd holds, opened with `flags` (O_RDONLY, ...).
Result<UniqueFd> reopen_path_fd(int fd, int flags);

}  // namespace strata::sys
