// SPDX-License-Identifier: Apache-2.0
#include "container/monitor/clients.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "util/strings.h"

namespace strata::container::monitor {

void Clients::add(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  Client c;
  c.fd.reset(fd);
  clients_.push_back(std::move(c));
}

bool Clients::send_queued(Client& c) {
  while (!c.out.empty()) {
    ssize_t n = ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n <= 0) return false;
    c.out.erase(0, static_cast<size_t>(n));
  }
  if (c.out.empty()) std::string().swap(c.out);  // an idle monitor keeps no burst's buffer
  return c.out.size() <= kClientBuffer;
}

bool Clients::read_frames(Client& c, const Handler& on_frame) {
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(c.fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n <= 0) return false;  // closed: the client detached
    c.in.append(buf, static_cast<size_t>(n));
    FrameType type;
    std::string payload;
    bool bad = false;
    while (next_frame(c.in, &type, &payload, &bad)) on_frame(type, payload);
    if (bad) return false;
  }
  return true;
}

void Clients::drop_if(const std::function<bool(Client&)>& pred) {
  clients_.erase(std::remove_if(clients_.begin(), clients_.end(), pred), clients_.end());
}

void Clients::broadcast(std::string_view frame) {
  drop_if([&](Client& c) {
    c.out.append(frame);
    return !send_queued(c);
  });
}

void Clients::want(std::vector<pollfd>& fds, bool read) const {
  for (const auto& c : clients_)
    fds.push_back(
        {c.fd.get(), static_cast<short>((read ? POLLIN : 0) | (c.out.empty() ? 0 : POLLOUT)), 0});
}

void Clients::handle(const std::vector<pollfd>& fds, const Handler& on_frame) {
  drop_if([&](Client& c) {
    auto it =
        std::find_if(fds.begin(), fds.end(), [&](const pollfd& p) { return p.fd == c.fd.get(); });
    if (it == fds.end() || it->revents == 0) return false;
    if ((it->revents & POLLOUT) && !send_queued(c)) return true;
    if (it->revents & (POLLIN | POLLHUP | POLLERR)) return !read_frames(c, on_frame);
    return false;
  });
}

void Clients::read_pending(const Handler& on_frame) {
  drop_if([&](Client& c) { return !read_frames(c, on_frame); });
}

void Clients::flush_and_close(int timeout_ms) {
  int64_t deadline = realtime_ns() + int64_t{timeout_ms} * 1000000;
  for (;;) {
    drop_if([&](Client& c) { return c.out.empty() || !send_queued(c); });
    if (clients_.empty()) break;
    int64_t left = (deadline - realtime_ns()) / 1000000;
    if (left <= 0) break;
    std::vector<pollfd> fds;
    for (const auto& c : clients_) fds.push_back({c.fd.get(), POLLOUT, 0});
    if (::poll(fds.data(), fds.size(), static_cast<int>(left)) < 0 && errno != EINTR) break;
  }
  clients_.clear();
}

}  // namespace strata::container::monitor
