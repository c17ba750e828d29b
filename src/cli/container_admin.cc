// SPDX-License-Identifier: Apache-2.0
// restart, rename, pause, unpause, update, top, stats and port: Docker's smaller
// container commands, each also under `strata container`.
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <set>
#include <thread>

#include "cli/container_io.h"
#include "cli/create_flags.h"
#include "cli/output.h"
#include "sys/spawn.h"
#include "util/strings.h"

namespace strata::cli {

namespace {

using container::Container;
using container::Engine;

// `top`: the host's ps run with the user's options (default -ef), keeping the header and
// the rows whose PID column names one of the container's processes, as Docker does.
Result<int> top_command(const Context& ctx, const std::string& ref,
                        const std::vector<std::string>& ps_args) {
  auto env = TRY(ctx.open_engine());
  Container c = TRY(env.engine->get(ref));
  auto pids = TRY(env.engine->processes(c));
  std::vector<std::string> argv = {"/bin/ps"};
  if (ps_args.empty())
    argv.push_back("-ef");
  else
    argv.insert(argv.end(), ps_args.begin(), ps_args.end());
  auto got = TRY(sys::run_captured(argv));
  if (got.status != 0)
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("ps: {}", printable(trim(got.err.empty() ? got.out : got.err))));
  auto lines = split(got.out, '\n');
  if (lines.empty()) return Error::make(Errc::kInternal, "ps printed nothing");
  auto header = split_fields(lines[0]);
  auto col = std::find(header.begin(), header.end(), "PID");
  if (col == header.end())
    return Error::make(Errc::kInvalidArgument, "Couldn't find PID field in ps output");
  size_t at = static_cast<size_t>(col - header.begin());
  std::set<std::string> want;
  for (int64_t p : pids) want.insert(std::to_string(p));
  Table t;
  t.add(header);
  for (size_t i = 1; i < lines.size(); ++i) {
    // The last column (the command) keeps its spaces.
    auto f = split_fields(lines[i], header.size());
    if (f.size() <= at || !want.count(f[at])) continue;
    t.add(f);
  }
  t.print(stdout);
  return 0;
}

// go-units' BytesSize: binary units, four significant digits ("1.504MiB").
std::string binary_size(double bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  size_t i = 0;
  while (bytes >= 1024 && i + 1 < std::size(units)) {
    bytes /= 1024;
    ++i;
  }
  return fmt::format("{:.4g}{}", bytes, units[i]);
}

uint64_t number_at(const oci::Json& j, std::initializer_list<const char*> path) {
  const oci::Json* cur = &j;
  for (const char* k : path) {
    if (!cur->is_object()) return 0;
    auto it = cur->find(k);
    if (it == cur->end()) return 0;
    cur = &*it;
  }
  return cur->is_number_unsigned() || cur->is_number_integer() ? cur->get<uint64_t>() : 0;
}

struct Sample {
  uint64_t cpu_ns = 0;
  int64_t at_ns = 0;
};

// One row of `stats` from two samples of the runtime's counters (Docker's CPU % is the
// container's CPU time over wall time, 100% per busy core).
std::vector<std::string> stats_row(const Container& c, const oci::Json& data, const Sample& prev,
                                   const Sample& now) {
  double cpu = 0;
  if (now.at_ns > prev.at_ns && now.cpu_ns >= prev.cpu_ns)
    cpu = 100.0 * static_cast<double>(now.cpu_ns - prev.cpu_ns) /
          static_cast<double>(now.at_ns - prev.at_ns);
  uint64_t usage = number_at(data, {"memory", "usage", "usage"});
  // Docker leaves out the page cache that can be dropped (inactive file pages).
  uint64_t inactive = number_at(data, {"memory", "raw", "total_inactive_file"});
  if (inactive == 0) inactive = number_at(data, {"memory", "raw", "inactive_file"});
  if (inactive < usage) usage -= inactive;
  uint64_t limit = number_at(data, {"memory", "usage", "limit"});
  uint64_t host = static_cast<uint64_t>(::sysconf(_SC_PHYS_PAGES)) *
                  static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  if (limit == 0 || limit > host) limit = host;
  double mem_pct = limit > 0 ? 100.0 * static_cast<double>(usage) / static_cast<double>(limit) : 0;
  return {c.short_id(),
          c.name,
          fmt::format("{:.2f}%", cpu),
          binary_size(static_cast<double>(usage)) + " / " + binary_size(static_cast<double>(limit)),
          fmt::format("{:.2f}%", mem_pct),
          "0B / 0B",
          "--",
          std::to_string(number_at(data, {"pids", "current"}))};
}

struct StatsFlags {
  bool no_stream = false, all = false;
  std::vector<std::string> refs;
};

Result<int> stats_command(const Context& ctx, const StatsFlags& f) {
  auto env = TRY(ctx.open_engine());
  Engine& engine = *env.engine;
  auto pick = [&]() -> Result<std::vector<Container>> {
    std::vector<Container> out;
    if (!f.refs.empty()) {
      for (const auto& r : f.refs) out.push_back(TRY(engine.get(r)));
      return out;
    }
    for (auto& c : TRY(engine.list()))
      if (f.all || c.state.running()) out.push_back(std::move(c));
    return out;
  };
  std::map<std::string, Sample> prev;
  auto sample = [&](const Container& c, oci::Json* data) -> Sample {
    Sample s;
    s.at_ns = realtime_ns();
    auto got = c.state.running() ? engine.stats(c) : Result<oci::Json>(oci::Json::object());
    *data = got.ok() ? *got : oci::Json::object();
    s.cpu_ns = number_at(*data, {"cpu", "usage", "total"});
    return s;
  };
  for (bool first = true;; first = false) {
    auto shown = TRY(pick());
    if (first) {
      // A first sample to measure CPU use against.
      for (const auto& c : shown) {
        oci::Json d;
        prev[c.id] = sample(c, &d);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    Table t;
    t.add({"CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O",
           "PIDS"});
    for (const auto& c : shown) {
      oci::Json d;
      Sample now = sample(c, &d);
      t.add(stats_row(c, d, prev[c.id], now));
      prev[c.id] = now;
    }
    if (!f.no_stream) std::fputs("\033[2J\033[H", stdout);  // Docker's live view: redraw
    t.print(stdout);
    std::fflush(stdout);
    if (f.no_stream) return 0;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

// `update`'s flags, as create's are typed (the same parsers take them).
struct UpdateFlags {
  CreateFlags limits;  // memory, memory_swap, memory_reservation, cpus as text
  std::optional<int64_t> cpu_shares, pids_limit;
  std::optional<std::string> cpuset_cpus;
  std::vector<std::string> refs;
};

// Every value is parsed, as create parses it, before any container is touched.
Result<container::UpdateOptions> update_options(UpdateFlags& f) {
  CreateFlags& l = f.limits;
  if (l.memory.empty() && l.memory_swap.empty() && l.memory_reservation.empty() && l.cpus.empty() &&
      !f.cpu_shares && !f.pids_limit && !f.cpuset_cpus)
    return Error::make(Errc::kInvalidArgument,
                       "you must provide one or more flags when using this command");
  if (f.pids_limit) l.o.pids_limit = *f.pids_limit;
  TRY(parse_limits(l));
  container::UpdateOptions u;
  if (!l.memory.empty()) u.memory = l.o.memory;
  if (!l.memory_swap.empty()) u.memory_swap = l.o.host.memory_swap;
  if (!l.memory_reservation.empty()) u.memory_reservation = l.o.host.memory_reservation;
  if (!l.cpus.empty()) u.nano_cpus = l.o.nano_cpus;
  u.cpu_shares = f.cpu_shares;
  u.pids_limit = f.pids_limit;
  u.cpuset_cpus = f.cpuset_cpus;
  return u;
}

Result<int> update_command(const Context& ctx, UpdateFlags& f) {
  container::UpdateOptions u = TRY(update_options(f));
  return for_each(ctx, f.refs, [&](Engine& e, Container& ct) { return e.update(ct, u); });
}

}  // namespace

void register_admin_commands(const AddBoth& both, Context& ctx) {
  auto upd = std::make_shared<UpdateFlags>();
  both("update", {}, "Update configuration of one or more containers", [=, &ctx](CLI::App* c) {
    c->add_option("-m,--memory", upd->limits.memory, "Memory limit");
    c->add_option("--memory-swap", upd->limits.memory_swap,
                  "Swap limit equal to memory plus swap: -1 to enable unlimited swap");
    c->add_option("--memory-reservation", upd->limits.memory_reservation, "Memory soft limit");
    c->add_option("--cpus", upd->limits.cpus, "Number of CPUs");
    c->add_option("-c,--cpu-shares", upd->cpu_shares, "CPU shares (relative weight)");
    c->add_option("--cpuset-cpus", upd->cpuset_cpus, "CPUs in which to allow execution (0-3, 0,1)");
    c->add_option("--pids-limit", upd->pids_limit,
                  "Tune container pids limit (set -1 for unlimited)");
    c->add_option("CONTAINER", upd->refs)->required();
    c->callback([=, &ctx] { ctx.action = [=, &ctx] { return update_command(ctx, *upd); }; });
  });

  auto restart_refs = std::make_shared<std::vector<std::string>>();
  auto restart_timeout = std::make_shared<std::optional<int>>();
  both("restart", {}, "Restart one or more containers", [=, &ctx](CLI::App* c) {
    c->add_option("-t,--time,--timeout", *restart_timeout, "Seconds to wait before killing it");
    c->add_option("CONTAINER", *restart_refs)->required();
    c->callback([=, &ctx] {
      ctx.action = [=, &ctx] {
        return for_each(ctx, *restart_refs, [=](Engine& e, Container& ct) -> Result<void> {
          if (ct.state.paused()) TRY(e.pause(ct, false));
          TRY(e.stop(ct, *restart_timeout));
          return e.start(ct, nullptr);
        });
      };
    });
  });

  auto rename_args = std::make_shared<std::vector<std::string>>();
  both("rename", {}, "Rename a container", [=, &ctx](CLI::App* c) {
    c->add_option("CONTAINER NEW_NAME", *rename_args)->required()->expected(2);
    c->callback([=, &ctx] {
      ctx.action = [=, &ctx]() -> Result<int> {
        auto env = TRY(ctx.open_engine());
        Container ct = TRY(env.engine->get((*rename_args)[0]));
        TRY(env.engine->rename(ct, (*rename_args)[1]));
        return 0;
      };
    });
  });

  for (bool pause : {true, false}) {
    auto refs = std::make_shared<std::vector<std::string>>();
    both(pause ? "pause" : "unpause", {},
         pause ? "Pause all processes within one or more containers"
               : "Unpause all processes within one or more containers",
         [=, &ctx](CLI::App* c) {
           c->add_option("CONTAINER", *refs)->required();
           c->callback([=, &ctx] {
             ctx.action = [=, &ctx] {
               return for_each(ctx, *refs,
                               [=](Engine& e, Container& ct) { return e.pause(ct, pause); });
             };
           });
         });
  }

  auto top_ref = std::make_shared<std::string>();
  auto top_args = std::make_shared<std::vector<std::string>>();
  both("top", {}, "Display the running processes of a container", [=, &ctx](CLI::App* c) {
    c->add_option("CONTAINER", *top_ref)->required();
    c->add_option("PS_OPTIONS", *top_args);
    c->positionals_at_end();
    c->prefix_command();
    refuse_unknown_flags(c);
    c->callback(
        [=, &ctx] { ctx.action = [=, &ctx] { return top_command(ctx, *top_ref, *top_args); }; });
  });

  auto stats = std::make_shared<StatsFlags>();
  both("stats", {}, "Display a live stream of container(s) resource usage statistics",
       [=, &ctx](CLI::App* c) {
         c->add_flag("-a,--all", stats->all, "Show all containers (default shows just running)");
         c->add_flag("--no-stream", stats->no_stream,
                     "Disable streaming stats and only pull the first result");
         c->add_option("CONTAINER", stats->refs);
         c->callback([=, &ctx] { ctx.action = [=, &ctx] { return stats_command(ctx, *stats); }; });
       });

  // No container publishes ports until networking brings bridges: `port` lists nothing,
  // and a given port is not published, in Docker's words.
  auto port_args = std::make_shared<std::vector<std::string>>();
  both("port", {}, "List port mappings or a specific mapping for the container",
       [=, &ctx](CLI::App* c) {
         c->add_option("CONTAINER [PRIVATE_PORT[/PROTO]]", *port_args)->required()->expected(1, 2);
         c->callback([=, &ctx] {
           ctx.action = [=, &ctx]() -> Result<int> {
             auto env = TRY(ctx.open_engine());
             Container ct = TRY(env.engine->get((*port_args)[0]));
             if (port_args->size() == 2) {
               std::string port = (*port_args)[1];
               if (port.find('/') == std::string::npos) port += "/tcp";
               return Error::make(
                   Errc::kNotFound,
                   fmt::format("No public port '{}' published for {}", printable(port), ct.name));
             }
             return 0;
           };
         });
       });
}

}  // namespace strata::cli
