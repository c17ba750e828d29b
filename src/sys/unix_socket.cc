// SPDX-License-Identifier: Apache-2.0
#include "sys/unix_socket.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace strata::sys {

Result<std::string> socket_address(const std::string& path, UniqueFd* dir) {
  constexpr size_t kMax = sizeof(sockaddr_un::sun_path);
  if (path.size() < kMax) return path;
  size_t slash = path.rfind('/');
  std::string parent = slash == std::string::npos ? "." : path.substr(0, slash);
  int fd = ::open(parent.empty() ? "/" : parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error::from_errno(errno, fmt::format("open `{}`", parent));
  *dir = UniqueFd(fd);
  std::string name = fmt::format("/proc/self/fd/{}/{}", fd, path.substr(slash + 1));
  if (name.size() >= kMax)
    return Error::make(Errc::kInvalidArgument, fmt::format("socket `{}`: path too long", path));
  return name;
}

Result<UniqueFd> connect_unix(const std::string& path, std::string_view what) {
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  UniqueFd dir;
  std::string name = TRY_CTX(socket_address(path, &dir), "{}", what);
  std::memcpy(addr.sun_path, name.c_str(), name.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error::from_errno(errno, "socket");
  UniqueFd guard(fd);
  if (::connect(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof(addr)) < 0)
    return Error::from_errno(errno, fmt::format("{} `{}`: connect", what, path));
  return guard;
}

ssize_t send_with_fd(int sock, std::string_view data, int fd) {
  struct iovec iov = {const_cast<char*>(data.data()), data.size()};
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  return ::sendmsg(sock, &msg, MSG_NOSIGNAL);
}

ssize_t recv_with_fd(int sock, char* buf, size_t size, UniqueFd* fd) {
  struct iovec iov = {buf, size};
  alignas(struct cmsghdr) char control[CMSG_SPACE(4 * sizeof(int))] = {};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  if (n < 0) return n;
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int got;
      std::memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      if (fd != nullptr && !fd->valid())
        fd->reset(got);
      else
        ::close(got);
    }
  }
  return n;
}

}  // namespace strata::sys
