// SPDX-License-Identifier: Apache-2.0
// `update [--resources FILE|-] [--memory ...] ID`: new limits for a created, running or
// paused container, written into its cgroup, with runc's flags. --resources takes a
// linux.resources object (config-linux.md "Control groups", the shape runc's update
// reads); each flag given sets its field on top. Sizes take units ("64m"), -1 is
// unlimited. Only what is given is written.
#include <unistd.h>

#include "runtime/cgroup/cgroup.h"
#include "runtime/cli/cli.h"
#include "runtime/state.h"
#include "sys/fs.h"
#include "util/strings.h"

namespace strata::runtime::cli {

namespace {

struct UpdateOptions {
  std::string id, resources;
  std::string memory, memory_reservation, memory_swap;
  std::optional<uint64_t> cpu_share, cpu_period;
  std::optional<int64_t> cpu_quota, pids_limit;
  std::optional<uint16_t> blkio_weight;
  std::optional<std::string> cpuset_cpus, cpuset_mems;
};

Result<std::string> read_all_stdin() {
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(0, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::from_errno(errno, "read the resources from stdin");
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > (1 << 20)) return Error::make(Errc::kInvalidArgument, "resources: over 1 MiB");
  }
}

// A size flag: bytes with an optional unit, or -1 (unlimited).
Result<std::optional<int64_t>> size_flag(const std::string& v, const char* flag) {
  if (v.empty()) return std::optional<int64_t>();
  if (v == "-1") return std::optional<int64_t>(-1);
  uint64_t bytes = 0;
  if (!parse_size(v, &bytes) || bytes > static_cast<uint64_t>(INT64_MAX))
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("invalid value \"{}\" for flag --{}", printable(v), flag));
  return std::optional<int64_t>(static_cast<int64_t>(bytes));
}

// The linux.resources object: the file's (or stdin's), then the flags on top.
Result<oci::Json> resources_json(const UpdateOptions& o) {
  oci::Json r = oci::Json::object();
  if (!o.resources.empty()) {
    std::string text =
        o.resources == "-" ? TRY(read_all_stdin()) : TRY(sys::read_file(o.resources, 1 << 20));
    r = TRY(oci::parse_json(text, o.resources == "-" ? "stdin" : o.resources));
    if (!r.is_object()) return Error::make(Errc::kInvalidArgument, "resources: want a JSON object");
  }
  std::pair<const char*, const std::string*> sizes[] = {
      {"limit", &o.memory}, {"reservation", &o.memory_reservation}, {"swap", &o.memory_swap}};
  const char* flags[] = {"memory", "memory-reservation", "memory-swap"};
  for (size_t i = 0; i < std::size(sizes); ++i)
    if (auto v = TRY(size_flag(*sizes[i].second, flags[i]))) r["memory"][sizes[i].first] = *v;
  if (o.cpu_share) r["cpu"]["shares"] = *o.cpu_share;
  if (o.cpu_period) r["cpu"]["period"] = *o.cpu_period;
  if (o.cpu_quota) r["cpu"]["quota"] = *o.cpu_quota;
  if (o.cpuset_cpus) r["cpu"]["cpus"] = *o.cpuset_cpus;
  if (o.cpuset_mems) r["cpu"]["mems"] = *o.cpuset_mems;
  if (o.pids_limit) r["pids"]["limit"] = *o.pids_limit;
  if (o.blkio_weight) r["blockIO"]["weight"] = *o.blkio_weight;
  return r;
}

Result<void> update_container(const std::string& root, const UpdateOptions& o) {
  ContainerState s = TRY(load_state(root, o.id));
  if (s.status == "stopped")
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("cannot update container {}: it is stopped", o.id));
  oci::Resources r = TRY(oci::parse_linux_resources(TRY(resources_json(o))));
  auto mgr = TRY(cgroup::open_recorded(s.cgroup));
  return mgr->update(r);
}

}  // namespace

void add_update(CLI::App& app, Globals& g, Action& action) {
  auto o = std::make_shared<UpdateOptions>();
  auto* c = app.add_subcommand("update", "Update the resource limits of a container");
  c->add_option("-r,--resources", o->resources,
                "Path to a file with the resources to update, '-' for stdin");
  c->add_option("--memory", o->memory, "Memory limit (in bytes, or with a unit)");
  c->add_option("--memory-reservation", o->memory_reservation, "Memory reservation or soft limit");
  c->add_option("--memory-swap", o->memory_swap,
                "Total memory usage (memory + swap); -1: unlimited");
  c->add_option("--cpu-share", o->cpu_share, "CPU shares (relative weight vs. other containers)");
  c->add_option("--cpu-period", o->cpu_period, "CPU CFS period (microseconds)");
  c->add_option("--cpu-quota", o->cpu_quota, "CPU CFS hardcap limit (microseconds)");
  c->add_option("--cpuset-cpus", o->cpuset_cpus, "CPU(s) to use");
  c->add_option("--cpuset-mems", o->cpuset_mems, "Memory node(s) to use");
  c->add_option("--pids-limit", o->pids_limit, "Maximum number of pids allowed in the container");
  c->add_option("--blkio-weight", o->blkio_weight, "Block IO weight (10 to 1000)");
  c->add_option("container-id", o->id)->required();
  c->callback([&g, &action, o] {
    action = [&g, o]() -> Result<int> {
      TRY(update_container(g.root, *o));
      return 0;
    };
  });
}

}  // namespace strata::runtime::cli
