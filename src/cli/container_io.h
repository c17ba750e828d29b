// SPDX-License-Identifier: Apache-2.0
// Container output on the command line: relaying an attached container's streams (and
// stdin, and signals) through its monitor's attach socket, and `logs`.
#pragma once

#include <functional>

#include "cli/command.h"
#include "container/container.h"

namespace strata::cli {

// Relays frames from the attach socket to stdout/stderr (and stdin to it with
// `interactive`) until the container exits; signals to this process are sent on to the
// container. Returns the container's exit code (255 when none was recorded).
Result<int> relay(container::Engine& engine, container::Container& c, int sock, bool interactive);

// Registers `logs` through `both` (a command at the top and under `container`).
using AddBoth = std::function<void(const std::string&, const std::vector<std::string>&,
                                   const std::string&, const std::function<void(CLI::App*)>&)>;
void register_logs_command(const AddBoth& both, Context& ctx);
// restart rename pause unpause top stats port (container_admin.cc).
void register_admin_commands(const AddBoth& both, Context& ctx);
// `ps` (cli/ps.cc); `group` is `strata container`, where it is also `ls`.
void register_ps_command(const AddBoth& both, CLI::App& group, Context& ctx);

// Docker's --since/--until values: an RFC 3339 time, unix seconds, or a duration before
// now ("10m", "1h30m", "45s"). False if `text` is none of them.
bool parse_log_time(std::string_view text, int64_t now_ns, int64_t* ns);

}  // namespace strata::cli
