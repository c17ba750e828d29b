// SPDX-License-Identifier: Apache-2.0
// `pause ID` and `resume ID`: the freezer.
#include "runtime/cli/cli.h"

namespace strata::runtime::cli {

void add_pause(CLI::App& app, Globals& g, Action& action) {
  for (bool pause : {true, false}) {
    auto id = std::make_shared<std::string>();
    auto* c = app.add_subcommand(pause ? "pause" : "resume",
                                 pause ? "Freeze all processes" : "Thaw all processes");
    c->add_option("container-id", *id)->required();
    c->callback([&g, &action, id, pause] {
      action = [&g, id, pause]() -> Result<int> {
        TRY(pause_container(g.root, *id, pause));
        return 0;
      };
    });
  }
}

}  // namespace strata::runtime::cli
