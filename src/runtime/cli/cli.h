// SPDX-License-Identifier: Apache-2.0
// strata-runtime's command line, one file per command as crun has it: each add_*()
// registers its subcommand, and its callback sets the action main() runs once the
// whole command line parsed. Only this directory prints errors.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "runtime/container.h"
#include "util/result.h"

namespace strata::runtime::cli {

struct Globals {
  std::string root = "/run/strata-runtime", log, log_format = "text";
  bool systemd_cgroup = false, debug = false;
  char** argv = nullptr;
};

// What the parsed subcommand does; its exit code.
using Action = std::function<Result<int>()>;

// Re-executes from a sealed copy of the binary (CVE-2019-5736) or fails.
Result<void> require_sealed(const Globals& g);

// The flags create and run share.
void add_create_flags(CLI::App* c, CreateOptions* o);

void add_create(CLI::App& app, Globals& g, Action& action);
void add_run(CLI::App& app, Globals& g, Action& action);
void add_start(CLI::App& app, Globals& g, Action& action);
void add_state(CLI::App& app, Globals& g, Action& action);
void add_kill(CLI::App& app, Globals& g, Action& action);
void add_delete(CLI::App& app, Globals& g, Action& action);
void add_list(CLI::App& app, Globals& g, Action& action);
void add_pause(CLI::App& app, Globals& g, Action& action);  // pause and resume
void add_events(CLI::App& app, Globals& g, Action& action);
void add_spec(CLI::App& app, Globals& g, Action& action);
void add_features(CLI::App& app, Globals& g, Action& action);
void add_exec(CLI::App& app, Globals& g, Action& action);
void add_update(CLI::App& app, Globals& g, Action& action);

}  // namespace strata::runtime::cli
