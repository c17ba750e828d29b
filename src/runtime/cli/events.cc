// SPDX-License-Identifier: Apache-2.0
// `events ID`: stats (--stats once, else every --interval) and oom events.
#include "runtime/events.h"

#include <cstdio>

#include "runtime/cli/cli.h"

namespace strata::runtime::cli {

void add_events(CLI::App& app, Globals& g, Action& action) {
  struct Options {
    EventsOptions events;
    std::string interval = "5s";
  };
  auto o = std::make_shared<Options>();
  auto* c = app.add_subcommand("events", "Display container events and stats");
  c->add_option("container-id", o->events.id)->required();
  c->add_flag("--stats", o->events.stats_once, "Display the container's stats once, then exit");
  c->add_option("--interval", o->interval, "Time between stats events")->default_val("5s");
  c->callback([&g, &action, o] {
    action = [&g, o]() -> Result<int> {
      o->events.interval = TRY(parse_interval(o->interval));
      TRY(container_events(g.root, o->events, stdout));
      return 0;
    };
  });
}

}  // namespace strata::runtime::cli
