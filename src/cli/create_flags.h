// SPDX-License-Identifier: Apache-2.0
// The flags `create` and `run` share, with Docker's names, and the sizes and numbers
// parsed from them before the engine sees the options.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli/terminal.h"
#include "container/container.h"

namespace strata::cli {

struct CreateFlags {
  container::Options o;
  std::string memory, cpus, memory_swap, memory_reservation;
  std::string restart;  // --restart as typed
  bool detach = false, sig_proxy = true;
  std::string detach_keys = kDefaultDetachKeys;
  std::string image;
  std::vector<std::string> args;
};

void add_create_flags(CLI::App* c, CreateFlags& f);
// For commands that end in a command line (prefix_command): an option CLI11 does not
// know, met before the first positional, is refused as Docker refuses it ("unknown
// flag: --bogus", exit 125) instead of being dropped.
void refuse_unknown_flags(CLI::App* c);
// The sizes and numbers of `f` into f.o; kInvalidArgument names the flag.
Result<void> parse_limits(CreateFlags& f);
// parse_limits, then the engine's create.
Result<container::Container> create_from(container::Engine& engine, CreateFlags& f);

}  // namespace strata::cli
