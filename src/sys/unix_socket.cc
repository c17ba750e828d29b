// SPDX-License-Identifier: Apache-2.0
#include "sys/unix_socket.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace strata::sys {

Result<std::string> socket_path(const std::string& path, std::string_view what, UniqueFd* dir) {
  constexpr size_t kMax = sizeof(sockaddr_un::sun_path) - 1;
  if (path.size() <= kMax) return path;
  size_t slash = path.rfind('/');
  std::string parent = slash == std::string::npos ? "." : path.substr(0, slash);
  dir->reset(::open(parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir->valid())
    return Error::from_errno(errno, fmt::format("{} `{}`: open directory", what, path));
  std::string name = fmt::format("/proc/{}/fd/{}/{}", ::getpid(), dir->get(),
                                 slash == std::string::npos ? path : path.substr(slash + 1));
  if (name.size() > kMax)
    return Error::make(Errc::kInvalidArgument, fmt::format("{} `{}`: path too long", what, path));
  return name;
}

namespace {

Result<struct sockaddr_un> address(const std::string& path, std::string_view what, UniqueFd* dir) {
  std::string name = TRY(socket_path(path, what, dir));
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, name.c_str(), name.size() + 1);
  return addr;
}

}  // namespace

Result<UniqueFd> connect_unix(const std::string& path, std::string_view what) {
  UniqueFd dir;
  struct sockaddr_un addr = TRY(address(path, what, &dir));
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error::from_errno(errno, "socket");
  UniqueFd guard(fd);
  if (::connect(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof(addr)) < 0)
    return Error::from_errno(errno, fmt::format("{} `{}`: connect", what, path));
  return guard;
}

Result<UniqueFd> listen_unix(const std::string& path, std::string_view what) {
  UniqueFd dir;
  struct sockaddr_un addr = TRY(address(path, what, &dir));
  ::unlink(path.c_str());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) return Error::from_errno(errno, "socket");
  if (::bind(fd.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof(addr)) < 0 ||
      ::listen(fd.get(), 16) < 0)
    return Error::from_errno(errno, fmt::format("{} `{}`", what, path));
  return fd;
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
