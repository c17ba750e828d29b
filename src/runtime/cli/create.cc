// SPDX-License-Identifier: Apache-2.0
// `create ID`: the container's init, waiting for start.
#include "runtime/cli/cli.h"

namespace strata::runtime::cli {

void add_create_flags(CLI::App* c, CreateOptions* o) {
  c->add_option("container-id", o->id)->required();
  c->add_option("-b,--bundle", o->bundle, "Path to the bundle")->default_val(".");
  c->add_option("--pid-file", o->pid_file, "File to write the init pid to");
  c->add_option("--console-socket", o->console_socket, "Unix socket for the pty master");
  c->add_flag("--no-pivot", o->no_pivot, "Move the rootfs onto / and chroot instead of pivot_root");
  c->add_option("--preserve-fds", o->preserve_fds, "Pass N more fds to the container");
}

void add_create(CLI::App& app, Globals& g, Action& action) {
  auto o = std::make_shared<CreateOptions>();
  auto* c = app.add_subcommand("create", "Create a container");
  add_create_flags(c, o.get());
  c->callback([&g, &action, o] {
    action = [&g, o]() -> Result<int> {
      TRY(require_sealed(g));
      TRY(create_container(g.root, *o));
      return 0;
    };
  });
}

}  // namespace strata::runtime::cli
