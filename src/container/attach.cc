// SPDX-License-Identifier: Apache-2.0
// `attach`: a client of a running container's monitor.
#include "container/container.h"
#include "container/monitor/protocol.h"
#include "sys/unix_socket.h"

namespace strata::container {

Result<UniqueFd> Engine::attach(const Container& c) {
  if (!c.state.running())
    return Error::make(Errc::kInvalidArgument,
                       "You cannot attach to a stopped container, start it first");
  return sys::connect_unix(run_dir(c) + "/" + monitor::kAttachSocket, "attach");
}

}  // namespace strata::container
