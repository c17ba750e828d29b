// SPDX-License-Identifier: Apache-2.0
// `kill ID [SIGNAL]`: by pidfd, to the init or (--all) every process in its cgroup.
#include "runtime/cli/cli.h"
#include "util/strings.h"

namespace strata::runtime::cli {

void add_kill(CLI::App& app, Globals& g, Action& action) {
  struct Options {
    std::string id, signal = "SIGTERM";
    bool all = false;
  };
  auto o = std::make_shared<Options>();
  auto* c = app.add_subcommand("kill", "Send a signal to the container's init process");
  c->add_option("container-id", o->id)->required();
  c->add_option("signal", o->signal, "Signal name or number");
  c->add_flag("-a,--all", o->all, "Signal all processes in the container");
  c->callback([&g, &action, o] {
    action = [&g, o]() -> Result<int> {
      int sig = parse_signal(o->signal);
      if (sig < 0)
        return Error::make(Errc::kInvalidArgument,
                           fmt::format("unknown signal \"{}\"", printable(o->signal)));
      TRY(kill_container(g.root, o->id, sig, o->all));
      return 0;
    };
  });
}

}  // namespace strata::runtime::cli
