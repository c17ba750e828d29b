// SPDX-License-Identifier: Apache-2.0
// `delete ID`: removes a stopped container (-f: kills it first).
#include "runtime/cli/cli.h"

namespace strata::runtime::cli {

void add_delete(CLI::App& app, Globals& g, Action& action) {
  struct Options {
    std::string id;
    bool force = false;
  };
  auto o = std::make_shared<Options>();
  auto* c = app.add_subcommand("delete", "Delete a container");
  c->add_option("container-id", o->id)->required();
  c->add_flag("-f,--force", o->force, "Kill the container first if it is running");
  c->callback([&g, &action, o] {
    action = [&g, o]() -> Result<int> {
      TRY(delete_container(g.root, o->id, o->force));
      return 0;
    };
  });
}

}  // namespace strata::runtime::cli
