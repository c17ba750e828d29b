// SPDX-License-Identifier: Apache-2.0
#include "sys/pidfd.h"

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace strata::sys {

Result<UniqueFd> pidfd_open(pid_t pid) {
  // pidfds are close-on-exec by construction (the kernel sets O_CLOEXEC).
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return Error::from_errno(errno, fmt::format("pidfd_open {}", pid));
  return UniqueFd(fd);
}

Result<void> pidfd_send_signal(int pidfd, int sig) {
  if (::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) < 0)
    return Error::from_errno(errno, fmt::format("pidfd_send_signal {}", sig));
  return {};
}

bool pidfd_alive(int pidfd) {
  // A pidfd polls readable once its process has exited (zombie or reaped).
  struct pollfd p = {pidfd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

}  // namespace strata::sys
