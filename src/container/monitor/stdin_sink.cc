// SPDX-License-Identifier: Apache-2.0
#include "container/monitor/stdin_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace strata::container::monitor {

void StdinSink::reset(int fd) {
  fd_ = fd;
  std::string().swap(queued_);
  if (fd_ >= 0) ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

bool StdinSink::write(std::string_view data) {
  if (fd_ < 0) return true;
  queued_.append(data);
  return flush();
}

bool StdinSink::flush() {
  size_t done = 0;
  while (fd_ >= 0 && done < queued_.size()) {
    ssize_t n = ::write(fd_, queued_.data() + done, queued_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n <= 0) {
      std::string().swap(queued_);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  queued_.erase(0, done);
  if (queued_.empty()) std::string().swap(queued_);  // an idle monitor keeps no buffer
  return true;
}

}  // namespace strata::container::monitor
