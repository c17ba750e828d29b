// SPDX-License-Identifier: Apache-2.0
// The engine's side of restart policies (docs/CONTAINERS.md "Restart policies and
// reboots"): the policy recorded in HostConfig.RestartPolicy, a user's stop passed to the
// monitor (run_state.h's stop file) and recorded for unless-stopped, and the containers
// `start --all` brings back after a reboot. The monitor applies the policy itself.
#include <algorithm>

#include "container/container.h"
#include "container/monitor/protocol.h"
#include "container/monitor/run_state.h"
#include "sys/fs.h"
#include "sys/unix_socket.h"

namespace strata::container {

namespace mon = monitor;

oci::Json restart_policy_json(const RestartPolicy& p) {
  return {{"Name", std::string(restart_mode_name(p.mode))}, {"MaximumRetryCount", p.max_retries}};
}

Result<RestartPolicy> restart_policy(const Container& c) {
  auto it = c.host_config.find("RestartPolicy");
  if (it == c.host_config.end()) return RestartPolicy{};  // created before restart policies
  std::string name = TRY(oci::get_string_or(*it, "Name", ""));
  int64_t max = 0;
  if (it->contains("MaximumRetryCount")) max = TRY(oci::get_int(*it, "MaximumRetryCount"));
  return TRY_CTX(restart_policy_of(name, max), "container {}", c.short_id());
}

Result<void> Engine::request_stop(Container& c) {
  // Written before the container is signalled: the monitor reads it when the process
  // exits, before it would restart it, and after it restarted it (a stop that raced the
  // restart). A run dir that is gone has no monitor to tell.
  std::string run = run_dir(c);
  if (sys::exists(run)) TRY(sys::write_file_atomic(run + "/" + mon::kStopFile, mon::kStopLine));
  // A monitor waiting out its back-off wakes up on a connection and reads the file.
  (void)sys::connect_unix(run + "/" + mon::kAttachSocket, "attach");
  for (int tries = 0; !c.state.manually_stopped && tries < 3; ++tries) {
    State before = c.state;
    c.state.manually_stopped = true;
    if (TRY(save_state_if(c, before))) break;
    c = TRY(get(c.id));  // changed meanwhile (the monitor's exit recorded): again
  }
  return {};
}

Result<std::vector<Container>> Engine::boot_list(const std::vector<RestartMode>& modes) {
  auto all = TRY(list());
  std::vector<Container> out;
  for (auto& c : all) {
    if (c.state.running() || c.state.status == "dead") continue;
    RestartPolicy p = TRY(restart_policy(c));
    if (!modes.empty() && std::find(modes.begin(), modes.end(), p.mode) == modes.end()) continue;
    RunEnd last{c.state.exit_code, c.state.restart_count, false, c.state.manually_stopped};
    // A created container never ran: nothing to bring back.
    if (c.state.status == "exited" && starts_at_boot(p, last)) out.push_back(std::move(c));
  }
  std::reverse(out.begin(), out.end());  // list() is newest first
  return out;
}

}  // namespace strata::container
