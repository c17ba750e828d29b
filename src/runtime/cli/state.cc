// SPDX-License-Identifier: Apache-2.0
// `state ID`: the state JSON (runtime-spec runtime.md "State").
#include <cstdio>

#include "runtime/cli/cli.h"

namespace strata::runtime::cli {

void add_state(CLI::App& app, Globals& g, Action& action) {
  auto id = std::make_shared<std::string>();
  auto* c = app.add_subcommand("state", "Output the state of a container");
  c->add_option("container-id", *id)->required();
  c->callback([&g, &action, id] {
    action = [&g, id]() -> Result<int> {
      ContainerState s = TRY(load_state(g.root, *id));
      std::printf("%s\n", oci::dump_json_pretty(state_json(s)).c_str());
      return 0;
    };
  });
}

}  // namespace strata::runtime::cli
