// SPDX-License-Identifier: Apache-2.0
// `start ID`: the created container's program runs.
#include "runtime/cli/cli.h"

namespace strata::runtime::cli {

void add_start(CLI::App& app, Globals& g, Action& action) {
  auto id = std::make_shared<std::string>();
  auto* c = app.add_subcommand("start", "Start a created container");
  c->add_option("container-id", *id)->required();
  c->callback([&g, &action, id] {
    action = [&g, id]() -> Result<int> {
      TRY(start_container(g.root, *id));
      return 0;
    };
  });
}

}  // namespace strata::runtime::cli
