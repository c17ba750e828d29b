// SPDX-License-Identifier: Apache-2.0
#include "sys/path_fd.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "util/strings.h"

namespace strata::sys {

namespace {

std::string proc_path(int fd) { return fmt::format("/proc/self/fd/{}", fd); }

}  // namespace

Result<UniqueFd> open_path_checked(int parent, const std::string& name, mode_t type,
                                   std::string_view doing, const struct stat* same) {
  int fd = ::openat(parent, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Error::from_errno(errno, "open");
  UniqueFd path(fd);
  struct stat st;
  if (::fstat(fd, &st) < 0) return Error::from_errno(errno, "stat");
  bool changed = (st.st_mode & S_IFMT) != (type & S_IFMT) ||
                 (same != nullptr && (st.st_dev != same->st_dev || st.st_ino != same->st_ino));
  if (changed)
    return Error::make(Errc::kUnavailable, fmt::format("replaced while being {}", doing));
  return path;
}

Result<void> chmod_path_fd(int fd, mode_t mode) {
  if (::chmod(proc_path(fd).c_str(), mode) < 0) return Error::from_errno(errno, "chmod");
  return {};
}

Result<void> chown_path_fd(int fd, uid_t uid, gid_t gid) {
  if (::fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0) return Error::from_errno(errno, "chown");
  return {};
}

Result<void> set_times_path_fd(int fd, const struct timespec times[2]) {
  if (::utimensat(AT_FDCWD, proc_path(fd).c_str(), times, 0) < 0)
    return Error::from_errno(errno, "set times");
  return {};
}

Result<UniqueFd> reopen_path_fd(int fd, int flags) {
  // Following the magic link is the point: it leads to exactly the fd's inode.
  int rd = ::open(proc_path(fd).c_str(), flags | O_CLOEXEC);
  if (rd < 0) return Error::from_errno(errno, "open");
  return UniqueFd(rd);
}

}  // namespace strata::sys
