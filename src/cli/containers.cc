// SPDX-License-Identifier: Apache-2.0
// The container commands: create, start, run, stop, kill, rm, wait, and the
// monitor's `container cleanup`; each also as `strata container NAME`. Docker's exit
// codes: the container's own from run/start -a, 125 when Strata fails, 126 when the
// command cannot be run, 127 when it is not found.
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli/command.h"
#include "cli/container_io.h"
#include "cli/create_flags.h"
#include "cli/fs_cmds.h"
#include "cli/inspect.h"
#include "cli/output.h"
#include "cli/terminal.h"
#include "container/container.h"
#include "util/strings.h"

namespace strata::cli {

namespace {

using container::Container;
using container::Engine;

// `run` without -d: attach, start, relay output (and stdin with -i) until the exit
// frame; signals to this process go to the container (Docker's sig-proxy) unless it has
// a tty. Nothing when the user detached.
Result<std::optional<int>> run_attached(Engine& engine, Container& c, const RelayOptions& o) {
  container::Attached attached;
  if (o.tty) attached.size = window_size();
  auto started = engine.start(c, &attached);
  if (!started.ok()) return started.error();
  return relay(engine, c, attached.sock.get(), o);
}

Result<RelayOptions> relay_options(const Container& c, const std::string& detach_keys,
                                   bool sig_proxy) {
  RelayOptions o;
  o.stdin = TRY(oci::get_bool_or(c.config, "OpenStdin", false));
  o.tty = TRY(oci::get_bool_or(c.config, "Tty", false));
  o.sig_proxy = sig_proxy;
  o.detach_keys = TRY(parse_detach_keys(detach_keys));
  TRY(check_input_tty(o.tty, o.stdin));
  return o;
}

Result<int> run_command(const Context& ctx, CreateFlags& f) {
  auto env = TRY(ctx.open_engine());
  Engine& engine = *env.engine;
  if (!f.detach) {
    TRY(parse_detach_keys(f.detach_keys));
    if (auto code = refuse_input_not_tty(f.o.tty, f.o.interactive)) return *code;
  }
  Container c = TRY(create_from(engine, f));
  if (f.detach) {
    auto r = engine.start(c, nullptr);
    if (!r.ok()) {
      print_error(r.error());
      return start_failure_code(r.error());
    }
    std::printf("%s\n", c.id.c_str());
    return 0;
  }
  // With --rm, the container's lock is taken as soon as it has exited: the monitor's
  // exit command (which removes --rm containers too) then waits for this removal, not
  // this removal for a whole `strata container cleanup` process.
  UniqueFd removal_lock;
  auto remove = [&] {
    return removal_lock.valid() ? engine.remove_locked(c, true, true)
                                : engine.remove(c, true, true);
  };
  auto code = [&]() -> Result<std::optional<int>> {
    RelayOptions o = TRY(relay_options(c, f.detach_keys, f.sig_proxy));
    if (f.o.auto_remove)
      o.on_exit = [&] {
        if (auto lock = engine.lock(c); lock.ok()) removal_lock = std::move(*lock);
      };
    return run_attached(engine, c, o);
  }();
  if (!code.ok()) {
    print_error(code.error());
    if (f.o.auto_remove) (void)remove();
    return start_failure_code(code.error());
  }
  if (!code->has_value()) return 0;  // detached: it runs on (its monitor applies --rm)
  if (f.o.auto_remove) {
    // The monitor may have removed it first (its exit command does for --rm).
    if (auto r = remove(); !r.ok() && r.error().code() != Errc::kNotFound)
      return std::move(r).error();
  }
  return **code;
}

// `start --all` (Podman's spelling), for a boot unit: the containers whose restart policy
// brings them back after a reboot (container.h boot_list); --filter restart-policy=NAME
// narrows them. Prints the ID of each one started; 125 if any failed.
Result<int> start_all(const Context& ctx, const std::vector<std::string>& filters) {
  std::vector<container::RestartMode> modes;
  for (const auto& f : filters) {
    size_t eq = f.find('=');
    std::string key = f.substr(0, eq), value = eq == std::string::npos ? "" : f.substr(eq + 1);
    if (eq == std::string::npos)
      return Error::make(Errc::kInvalidArgument, "bad format of filter (expected name=value)");
    if (key != "restart-policy")
      return Error::make(
          Errc::kInvalidArgument,
          fmt::format("invalid filter '{}': start --all takes restart-policy=", printable(key)));
    auto p = container::parse_restart_policy(value);
    if (!p.ok() || value.empty() || value.find(':') != std::string::npos)
      return Error::make(Errc::kInvalidArgument,
                         fmt::format("invalid filter 'restart-policy={}': want no, on-failure, "
                                     "always or unless-stopped",
                                     printable(value)));
    modes.push_back(p->mode);
  }
  auto env = TRY(ctx.open_engine());
  int rc = 0;
  for (auto& c : TRY(env.engine->boot_list(modes))) {
    if (auto r = env.engine->start(c, nullptr); !r.ok()) {
      print_error(r.error());
      rc = 125;
    } else {
      std::printf("%s\n", c.id.c_str());
    }
  }
  return rc;
}

}  // namespace

Result<int> for_each(const Context& ctx, const std::vector<std::string>& refs,
                     const std::function<Result<void>(Engine&, Container&)>& fn, bool print_ref) {
  auto env = TRY(ctx.open_engine());
  int rc = 0;
  for (const auto& ref : refs) {
    auto r = [&]() -> Result<void> {
      Container c = TRY(env.engine->get(ref));
      return fn(*env.engine, c);
    }();
    if (!r.ok()) {
      print_error(r.error());
      rc = 125;
    } else if (print_ref) {
      std::printf("%s\n", ref.c_str());
    }
  }
  return rc;
}

void register_container_commands(CLI::App& app, Context& ctx) {
  CLI::App* group = app.add_subcommand("container", "Manage containers");
  group->require_subcommand(1);
  auto both = [&app, group, &ctx](const std::string& name, const std::vector<std::string>& aliases,
                                  const std::string& help,
                                  const std::function<void(CLI::App*)>& setup) {
    for (CLI::App* parent : {&app, group}) {
      if (parent == &app && name == "ls") continue;
      CLI::App* c = parent->add_subcommand(name, help);
      c->preparse_callback([&ctx](size_t) { ctx.error_code = 125; });
      if (parent == group)
        for (const auto& a : aliases) c->alias(a);
      setup(c);
    }
  };

  auto create_flags = std::make_shared<CreateFlags>();
  both("create", {}, "Create a new container", [&ctx, create_flags](CLI::App* c) {
    add_create_flags(c, *create_flags);
    c->callback([&ctx, create_flags] {
      ctx.action = [&ctx, create_flags]() -> Result<int> {
        auto env = TRY(ctx.open_engine());
        Container ct = TRY(create_from(*env.engine, *create_flags));
        std::printf("%s\n", ct.id.c_str());
        return 0;
      };
    });
  });
  auto run_flags = std::make_shared<CreateFlags>();
  both("run", {}, "Create and run a new container from an image", [&ctx, run_flags](CLI::App* c) {
    add_create_flags(c, *run_flags);
    c->add_flag("-d,--detach", run_flags->detach, "Run container in background and print its ID");
    c->add_option("--detach-keys", run_flags->detach_keys,
                  "Override the key sequence for detaching a container");
    c->add_option("--sig-proxy", run_flags->sig_proxy, "Proxy received signals to the process");
    c->callback([&ctx, run_flags] {
      ctx.action = [&ctx, run_flags] { return run_command(ctx, *run_flags); };
    });
  });

  auto start_refs = std::make_shared<std::vector<std::string>>();
  auto start_attach = std::make_shared<bool>(false), start_every = std::make_shared<bool>(false);
  auto start_filters = std::make_shared<std::vector<std::string>>();
  both("start", {}, "Start one or more stopped containers", [=, &ctx](CLI::App* c) {
    c->add_flag("-a,--attach", *start_attach, "Attach STDOUT/STDERR and forward signals");
    c->add_flag("-i,--interactive", *start_attach, "Attach container's STDIN");
    auto* all = c->add_flag("--all", *start_every,
                            "Start the containers a restart policy brings back after a reboot");
    c->add_option("--filter", *start_filters, "With --all: restart-policy=NAME")
        ->allow_extra_args(false);
    all->excludes(c->add_option("CONTAINER", *start_refs));
    c->callback([=, &ctx] {
      ctx.action = [=, &ctx]() -> Result<int> {
        if (*start_every) return start_all(ctx, *start_filters);
        if (start_refs->empty())
          return Error::make(Errc::kInvalidArgument, "\"start\" requires at least 1 argument");
        if (*start_attach) {
          if (start_refs->size() != 1)
            return Error::make(Errc::kInvalidArgument,
                               "you cannot start and attach multiple containers at once");
          auto env = TRY(ctx.open_engine());
          Container ct = TRY(env.engine->get(start_refs->front()));
          auto code =
              TRY(run_attached(*env.engine, ct, TRY(relay_options(ct, kDefaultDetachKeys, true))));
          return code.value_or(0);
        }
        return for_each(ctx, *start_refs,
                        [](Engine& e, Container& ct) { return e.start(ct, nullptr); });
      };
    });
  });

  register_ps_command(both, *group, ctx);
  register_inspect_commands(app, *group, ctx);

  auto stop_refs = std::make_shared<std::vector<std::string>>();
  auto stop_timeout = std::make_shared<std::optional<int>>();
  both("stop", {}, "Stop one or more running containers", [=, &ctx](CLI::App* c) {
    c->add_option("-t,--time,--timeout", *stop_timeout, "Seconds to wait before killing it");
    c->add_option("CONTAINER", *stop_refs)->required();
    c->callback([=, &ctx] {
      ctx.action = [=, &ctx] {
        return for_each(ctx, *stop_refs,
                        [=](Engine& e, Container& ct) { return e.stop(ct, *stop_timeout); });
      };
    });
  });
  auto kill_refs = std::make_shared<std::vector<std::string>>();
  auto kill_signal = std::make_shared<std::string>("KILL");
  both("kill", {}, "Kill one or more running containers", [=, &ctx](CLI::App* c) {
    c->add_option("-s,--signal", *kill_signal, "Signal to send to the container");
    c->add_option("CONTAINER", *kill_refs)->required();
    c->callback([=, &ctx] {
      ctx.action = [=, &ctx]() -> Result<int> {
        int sig = container::parse_signal(*kill_signal);
        if (sig == 0)
          return Error::make(Errc::kInvalidArgument,
                             fmt::format("invalid signal: {}", printable(*kill_signal)));
        return for_each(ctx, *kill_refs, [=](Engine& e, Container& ct) { return e.kill(ct, sig); });
      };
    });
  });
  auto rm_refs = std::make_shared<std::vector<std::string>>();
  auto rm_force = std::make_shared<bool>(false), rm_volumes = std::make_shared<bool>(false);
  both("rm", {"remove"}, "Remove one or more containers", [=, &ctx](CLI::App* c) {
    c->add_flag("-f,--force", *rm_force, "Force the removal of a running container");
    c->add_flag("-v,--volumes", *rm_volumes,
                "Remove anonymous volumes associated with the container");
    c->add_option("CONTAINER", *rm_refs)->required();
    c->callback([=, &ctx] {
      ctx.action = [=, &ctx] {
        return for_each(ctx, *rm_refs, [=](Engine& e, Container& ct) {
          return e.remove(ct, *rm_force, *rm_volumes);
        });
      };
    });
  });
  auto wait_refs = std::make_shared<std::vector<std::string>>();
  both("wait", {}, "Block until containers stop, then print their exit codes",
       [=, &ctx](CLI::App* c) {
         c->add_option("CONTAINER", *wait_refs)->required();
         c->callback([=, &ctx] {
           ctx.action = [=, &ctx] {
             return for_each(
                 ctx, *wait_refs,
                 [](Engine& e, Container& ct) -> Result<void> {
                   std::printf("%d\n", TRY(e.wait(ct, true)));
                   return {};
                 },
                 false);
           };
         });
       });
  register_logs_command(both, ctx);
  register_admin_commands(both, ctx);
  register_attach_command(both, ctx);
  register_exec_command(both, ctx);
  register_fs_commands(both, ctx);
  register_container_prune(*group, ctx);

  // What a container's monitor runs when the container has exited (not for users).
  auto cleanup_id = std::make_shared<std::string>();
  CLI::App* cleanup = group->add_subcommand("cleanup", "");
  cleanup->group("");
  cleanup->add_option("CONTAINER", *cleanup_id)->required();
  cleanup->callback([=, &ctx] {
    ctx.action = [=, &ctx]() -> Result<int> {
      auto env = TRY(ctx.open_engine());
      TRY(env.engine->cleanup(*cleanup_id));
      return 0;
    };
  });
}

}  // namespace strata::cli
