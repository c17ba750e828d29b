// SPDX-License-Identifier: Apache-2.0
// The monitor's attach clients: non-blocking sockets, each with a bounded queue of
// frames not yet sent (protocol.h kClientBuffer; a client that lets it overflow is
// dropped, so a client that never reads cannot stall the log or the container), and
// the frames each one sends, handed to the monitor as they complete.
#pragma once

#include <poll.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "container/monitor/protocol.h"
#include "util/unique_fd.h"

namespace strata::container::monitor {

class Clients {
 public:
  using Handler = std::function<void(FrameType, std::string_view)>;

  // Takes `fd` (a connected socket), made non-blocking.
  void add(int fd);
  // Queues `frame` for every client and sends what each socket takes now.
  void broadcast(std::string_view frame);
  // Appends one pollfd per client (POLLIN unless `read` is false, and POLLOUT while it
  // has bytes queued).
  void want(std::vector<pollfd>& fds, bool read = true) const;
  // Acts on what poll returned for the clients' entries: sends queued bytes, reads and
  // hands complete frames to `on_frame`, drops clients that closed or misbehaved.
  void handle(const std::vector<pollfd>& fds, const Handler& on_frame);
  // Reads what the clients have already sent, without waiting.
  void read_pending(const Handler& on_frame);
  // Sends what is queued, waiting at most `timeout_ms` in all, then closes every client.
  void flush_and_close(int timeout_ms);
  bool empty() const { return clients_.empty(); }

 private:
  struct Client {
    UniqueFd fd;
    std::string in, out;
  };
  // False when the client is to be dropped.
  bool send_queued(Client& c);
  bool read_frames(Client& c, const Handler& on_frame);
  void drop_if(const std::function<bool(Client&)>& pred);

  std::vector<Client> clients_;
};

}  // namespace strata::container::monitor
