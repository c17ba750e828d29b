// SPDX-License-Identifier: Apache-2.0
#include "sys/io.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace strata::sys {

namespace {

template <typename WriteOnce>
int write_loop(std::string_view data, WriteOnce write_once) {
  while (!data.empty()) {
    ssize_t n = write_once(data);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) {
      errno = EIO;
      return -1;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

}  // namespace

int write_all(int fd, std::string_view data) {
  return write_loop(data, [fd](std::string_view d) { return ::write(fd, d.data(), d.size()); });
}

int send_all(int sock, std::string_view data) {
  return write_loop(
      data, [sock](std::string_view d) { return ::send(sock, d.data(), d.size(), MSG_NOSIGNAL); });
}

int ensure_stdio_open() {
  for (int fd = 0; fd < 3; ++fd) {
    if (::fcntl(fd, F_GETFD) >= 0) continue;
    // The lowest free number is `fd`: those below it are open by now.
    int got = ::open("/dev/null", O_RDWR);
    if (got < 0) return -1;
    if (got != fd) {
      ::close(got);
      errno = EBADF;
      return -1;
    }
  }
  return 0;
}

}  // namespace strata::sys
