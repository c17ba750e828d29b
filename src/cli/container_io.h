// SPDX-License-Identifier: Apache-2.0
// Container output on the command line: relaying an attached container's streams (and
// stdin, and signals) through its monitor's attach socket, and `logs`.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "cli/command.h"
#include "container/container.h"

namespace strata::cli {

// How an attached client relays (run, start -a, attach).
struct RelayOptions {
  bool stdin = false;       // send our stdin to the container
  bool tty = false;         // the container has a pty: raw terminal, window size, no sig-proxy
  bool sig_proxy = true;    // without a tty: signals to this process go to the container
  std::string detach_keys;  // the bytes (parse_detach_keys); empty: none
  // Called once the container has exited, before waiting for its monitor to finish.
  std::function<void()> on_exit;
};

// Relays frames from the attach socket to stdout/stderr (and stdin to it) until the
// container exits. Returns the container's exit code (255 when none was recorded), or
// nothing when the user typed the detach keys (the container runs on).
Result<std::optional<int>> relay(container::Engine& engine, container::Container& c, int sock,
                                 const RelayOptions& o);

// Docker's exit code for a process that could not be started, from the runtime's
// error: 127 when the command is not found, 126 when it cannot be executed, else 125.
int start_failure_code(const Error& e);

// Docker's refusal of -t with -i when stdin is not a terminal.
Result<void> check_input_tty(bool tty, bool interactive);
// The same as the docker CLI refuses it for run and exec, before anything is made:
// the message printed and exit code 1 (the client's error, not the daemon's 125);
// nothing when stdin is fine.
std::optional<int> refuse_input_not_tty(bool tty, bool interactive);

// Registers `logs` through `both` (a command at the top and under `container`).
using AddBoth = std::function<void(const std::string&, const std::vector<std::string>&,
                                   const std::string&, const std::function<void(CLI::App*)>&)>;
void register_logs_command(const AddBoth& both, Context& ctx);
// Runs `fn` on each named container, printing the name as given on success; the exit
// code is 125 if any failed (each failure printed), as Docker's multi-container commands.
Result<int> for_each(
    const Context& ctx, const std::vector<std::string>& refs,
    const std::function<Result<void>(container::Engine&, container::Container&)>& fn,
    bool print_ref = true);

// restart rename pause unpause update top stats port (container_admin.cc).
void register_admin_commands(const AddBoth& both, Context& ctx);
// `ps` (cli/ps.cc); `group` is `strata container`, where it is also `ls`.
void register_ps_command(const AddBoth& both, CLI::App& group, Context& ctx);
void register_attach_command(const AddBoth& both, Context& ctx);  // attach.cc
void register_exec_command(const AddBoth& both, Context& ctx);    // exec.cc

// Docker's --since/--until values: an RFC 3339 time, unix seconds, or a duration before
// now ("10m", "1h30m", "45s"). False if `text` is none of them.
bool parse_log_time(std::string_view text, int64_t now_ns, int64_t* ns);

}  // namespace strata::cli
