// SPDX-License-Identifier: Apache-2.0
// The container's stdin as the monitor writes it: a non-blocking pipe or pty master with
// a bounded queue of bytes the container has not read yet. A container that never reads
// its stdin cannot stall the monitor (its log, its attach clients, its exit): while the
// queue is full the monitor stops reading what the clients send (backpressure), and the
// queue drains as the container reads.
#pragma once

#include <poll.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace strata::container::monitor {

class StdinSink {
 public:
  // `fd` stays the caller's; it is made non-blocking. -1: no stdin (writes are dropped).
  void reset(int fd);
  int fd() const { return fd_; }
  // Queues `data` and writes what the fd takes now. False once the fd is broken (the
  // container closed its end): the caller closes it.
  bool write(std::string_view data);
  // Writes what is queued (after poll said the fd is writable). False as write().
  bool flush();
  // POLLOUT while bytes are queued.
  short events() const { return queued_.empty() ? 0 : POLLOUT; }
  // True while the queue holds less than `limit`: the monitor reads its clients' frames.
  bool has_room() const { return queued_.size() < limit_; }
  size_t queued() const { return queued_.size(); }
  void set_limit(size_t limit) { limit_ = limit; }

 private:
  int fd_ = -1;
  size_t limit_ = 1 << 20;
  std::string queued_;
};

}  // namespace strata::container::monitor
