// SPDX-License-Identifier: Apache-2.0
// The container commands: create, start, run, ps, stop, kill, rm, wait, and the
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
#include "cli/fs_cmds.h"
#include "cli/output.h"
#include "container/container.h"
#include "util/strings.h"

namespace strata::cli {

namespace {

using container::Container;
using container::Engine;

struct CreateFlags {
  container::Options o;
  std::string memory, cpus;
  bool detach = false;
  std::string image;
  std::vector<std::string> args;
};

// Docker's exit code for a container that could not be started: 127 when the command
// is not found, 126 when it cannot be executed, else 125.
int start_failure_code(const Error& e) {
  std::string m = e.message();
  if (m.find("No such file or directory") != std::string::npos ||
      m.find("not found") != std::string::npos)
    return 127;
  if (m.find("Permission denied") != std::string::npos) return 126;
  return 125;
}

Result<void> parse_limits(CreateFlags& f) {
  if (!f.memory.empty()) {
    uint64_t bytes = 0;
    if (!parse_size(f.memory, &bytes))
      return Error::make(Errc::kInvalidArgument,
                         fmt::format("invalid argument \"{}\" for \"-m, --memory\" flag: invalid "
                                     "size: '{}'",
                                     printable(f.memory), printable(f.memory)));
    if (bytes < 6 * 1024 * 1024)
      return Error::make(Errc::kInvalidArgument, "Minimum memory limit allowed is 6MB");
    f.o.memory = static_cast<int64_t>(bytes);
  }
  if (!f.cpus.empty()) {
    char* end = nullptr;
    double v = std::strtod(f.cpus.c_str(), &end);
    if (end == f.cpus.c_str() || *end != '\0' || !(v >= 0) || v > 1e6)
      return Error::make(Errc::kInvalidArgument,
                         fmt::format("invalid argument \"{}\" for \"--cpus\" flag: failed to parse "
                                     "{} as a rational number",
                                     printable(f.cpus), printable(f.cpus)));
    f.o.nano_cpus = static_cast<int64_t>(v * 1e9);
  }
  if (f.o.pids_limit < -1)
    return Error::make(Errc::kInvalidArgument, "invalid --pids-limit: want -1 or more");
  return {};
}

void add_create_flags(CLI::App* c, CreateFlags& f) {
  c->set_help_flag("--help", "Print usage");  // -h is --hostname, as in Docker
  c->add_option("--name", f.o.name, "Assign a name to the container");
  c->add_option("-e,--env", f.o.env, "Set environment variables")->take_all();
  c->add_option("-w,--workdir", f.o.workdir, "Working directory inside the container");
  c->add_option("-u,--user", f.o.user, "Username or UID (format: <name|uid>[:<group|gid>])");
  c->add_option("--entrypoint", f.o.entrypoint, "Overwrite the default ENTRYPOINT of the image");
  c->add_option("-h,--hostname", f.o.hostname, "Container host name");
  c->add_option("-l,--label", f.o.labels, "Set meta data on a container");
  c->add_flag("-t,--tty", f.o.tty, "Allocate a pseudo-TTY");
  c->add_flag("-i,--interactive", f.o.interactive, "Keep STDIN open even if not attached");
  c->add_flag("--rm", f.o.auto_remove, "Automatically remove the container when it exits");
  c->add_option("--runtime", f.o.runtime, "Runtime to use for this container");
  c->add_option("-m,--memory", f.memory, "Memory limit");
  c->add_option("--cpus", f.cpus, "Number of CPUs");
  c->add_option("--pids-limit", f.o.pids_limit, "Tune container pids limit (set -1 for unlimited)");
  c->add_option("--stop-signal", f.o.stop_signal, "Signal to stop the container");
  c->add_option("--stop-timeout", f.o.stop_timeout, "Timeout (in seconds) to stop a container");
  c->add_option("--network", f.o.network, "Connect a container to a network (none, host)");
  c->add_option("IMAGE", f.image, "Image")->required();
  c->add_option("COMMAND", f.args, "Command and arguments");
  // Everything after the image belongs to the container's command, flags included.
  c->positionals_at_end();
  c->prefix_command();
}

Result<Container> create_from(Engine& engine, CreateFlags& f) {
  TRY(parse_limits(f));
  f.o.cmd = f.args;
  return engine.create(f.o, f.image);
}

// `run` without -d: attach, start, relay output (and stdin with -i) until the exit
// frame; signals to this process go to the container (Docker's sig-proxy).
Result<int> run_attached(Engine& engine, Container& c, bool interactive) {
  container::Attached attached;
  auto started = engine.start(c, &attached);
  if (!started.ok()) return started.error();
  return relay(engine, c, attached.sock.get(), interactive);
}

Result<int> run_command(const Context& ctx, CreateFlags& f) {
  auto env = TRY(ctx.open_engine());
  Engine& engine = *env.engine;
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
  auto code = run_attached(engine, c, f.o.interactive);
  if (!code.ok()) {
    print_error(code.error());
    if (f.o.auto_remove) (void)engine.remove(c, true);
    return start_failure_code(code.error());
  }
  if (f.o.auto_remove) {
    (void)engine.wait(c);
    TRY(engine.remove(c, true));
  }
  return *code;
}

std::string quoted_command(const Container& c) { return "\"" + container::command_line(c) + "\""; }

std::string status_text(const Container& c, int64_t now) {
  const auto& s = c.state;
  if (s.running()) {
    std::string up = human_duration_ago(s.started_ns / 1000000000, now);
    return "Up " + up.substr(0, up.size() - 4);  // without " ago"
  }
  if (s.status == "exited")
    return fmt::format("Exited ({}) {}", s.exit_code,
                       human_duration_ago(s.finished_ns / 1000000000, now));
  return "Created";
}

struct PsFlags {
  bool all = false, quiet = false, no_trunc = false, latest = false;
  int last = -1;
};

Result<int> ps_command(const Context& ctx, const PsFlags& f) {
  auto env = TRY(ctx.open_engine());
  auto list = TRY(env.engine->list());
  int64_t now = static_cast<int64_t>(::time(nullptr));
  std::vector<Container> shown;
  int limit = f.latest ? 1 : f.last;
  for (auto& c : list) {
    if (!f.all && limit < 0 && !c.state.running()) continue;
    if (limit >= 0 && static_cast<int>(shown.size()) >= limit) break;
    shown.push_back(std::move(c));
  }
  if (f.quiet) {
    for (const auto& c : shown)
      std::printf("%s\n", f.no_trunc ? c.id.c_str() : c.short_id().c_str());
    return 0;
  }
  Table t;
  t.add({"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"});
  for (const auto& c : shown) {
    std::string cmd = quoted_command(c);
    if (!f.no_trunc && cmd.size() > 22) cmd = cmd.substr(0, 20) + "…\"";
    t.add({f.no_trunc ? c.id : c.short_id(), c.image_name, cmd,
           human_duration_ago(c.created_ns / 1000000000, now), status_text(c, now), "", c.name});
  }
  t.print(stdout);
  return 0;
}

// Runs `fn` on each named container, printing the name as given on success; the exit
// code is 1 if any failed (each failure printed), as Docker's multi-container commands.
Result<int> for_each(const Context& ctx, const std::vector<std::string>& refs,
                     const std::function<Result<void>(Engine&, Container&)>& fn,
                     bool print_ref = true) {
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

}  // namespace

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
    c->callback([&ctx, run_flags] {
      ctx.action = [&ctx, run_flags] { return run_command(ctx, *run_flags); };
    });
  });

  auto start_refs = std::make_shared<std::vector<std::string>>();
  auto start_attach = std::make_shared<bool>(false);
  both("start", {}, "Start one or more stopped containers", [=, &ctx](CLI::App* c) {
    c->add_flag("-a,--attach", *start_attach, "Attach STDOUT/STDERR and forward signals");
    c->add_flag("-i,--interactive", *start_attach, "Attach container's STDIN");
    c->add_option("CONTAINER", *start_refs)->required();
    c->callback([=, &ctx] {
      ctx.action = [=, &ctx]() -> Result<int> {
        if (*start_attach) {
          if (start_refs->size() != 1)
            return Error::make(Errc::kInvalidArgument,
                               "you cannot start and attach multiple containers at once");
          auto env = TRY(ctx.open_engine());
          Container ct = TRY(env.engine->get(start_refs->front()));
          bool in = TRY(oci::get_bool_or(ct.config, "OpenStdin", false));
          return run_attached(*env.engine, ct, in);
        }
        return for_each(ctx, *start_refs,
                        [](Engine& e, Container& ct) { return e.start(ct, nullptr); });
      };
    });
  });

  auto ps = std::make_shared<PsFlags>();
  both("ps", {"ls", "list"}, "List containers", [=, &ctx](CLI::App* c) {
    c->add_flag("-a,--all", ps->all, "Show all containers (default shows just running)");
    c->add_flag("-q,--quiet", ps->quiet, "Only display container IDs");
    c->add_flag("--no-trunc", ps->no_trunc, "Don't truncate output");
    c->add_flag("-l,--latest", ps->latest, "Show the latest created container");
    c->add_option("-n,--last", ps->last, "Show n last created containers");
    c->callback([=, &ctx] { ctx.action = [=, &ctx] { return ps_command(ctx, *ps); }; });
  });
  // `container ls` is ps under its other name.
  for (CLI::App* sub : group->get_subcommands({}))
    if (sub->get_name() == "ps") sub->alias("ls");

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
  auto rm_force = std::make_shared<bool>(false);
  both("rm", {"remove"}, "Remove one or more containers", [=, &ctx](CLI::App* c) {
    c->add_flag("-f,--force", *rm_force, "Force the removal of a running container");
    c->add_option("CONTAINER", *rm_refs)->required();
    c->callback([=, &ctx] {
      ctx.action = [=, &ctx] {
        return for_each(ctx, *rm_refs,
                        [=](Engine& e, Container& ct) { return e.remove(ct, *rm_force); });
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
                   std::printf("%d\n", TRY(e.wait(ct)));
                   return {};
                 },
                 false);
           };
         });
       });
  register_logs_command(both, ctx);
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
