// SPDX-License-Identifier: Apache-2.0
// rename, pause, unpause and update, and what `top` and `stats` read of a running
// container.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>

#include "container/container.h"
#include "container/monitor/health.h"
#include "container/spec.h"
#include "sys/fs.h"
#include "util/strings.h"

namespace strata::container {

Result<void> Engine::rename(Container& c, const std::string& name) {
  std::string wanted = name.starts_with("/") ? name.substr(1) : name;
  if (wanted == c.name)
    return Error::make(Errc::kInvalidArgument,
                       "Renaming a container with the same name as its current name");
  auto tx = TRY(store_.db().begin());
  std::string n = TRY(unique_name(wanted));
  auto st = TRY(store_.db().prepare("UPDATE containers SET name = ? WHERE id = ?"));
  st.bind(1, n).bind(2, c.id);
  TRY(st.run());
  if (store_.db().changes() == 0)
    return Error::make(Errc::kNotFound, fmt::format("No such container: {}", c.id));
  TRY(tx.commit());
  c.name = n;
  return {};
}

Result<void> Engine::pause(Container& c, bool pause) {
  auto lock = TRY(lock_and_get(c));
  if (!c.state.running())
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("Container {} is not running", c.short_id()));
  if (pause && c.state.paused())
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("Container {} is already paused", c.short_id()));
  if (!pause && !c.state.paused())
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("Container {} is not paused", c.short_id()));
  // The monitor runs no health check while the marker is there, as Docker runs none in a
  // paused container; it is put down before the freeze, so that no probe starts meanwhile.
  std::string marker = run_dir(c) + "/" + monitor::kPausedFile;
  if (pause) TRY(sys::write_file_atomic(marker, ""));
  auto ran = run_runtime(c, {pause ? "pause" : "resume", c.id});
  int rc = ran.ok() ? *ran : -1;
  if (pause && rc != 0) ::unlink(marker.c_str());
  if (!ran.ok()) return std::move(ran).error();
  if (rc != 0)
    return Error::make(Errc::kInternal, fmt::format("cannot {} container {}: the runtime failed",
                                                    pause ? "pause" : "unpause", c.name));
  if (!pause) ::unlink(marker.c_str());
  State before = c.state;
  c.state.status = pause ? "paused" : "running";
  if (!TRY(save_state_if(c, before)))
    return Error::make(Errc::kExists, fmt::format("container {} exited meanwhile", c.name));
  return {};
}

namespace {

Error invalid(std::string msg) { return Error::make(Errc::kInvalidArgument, std::move(msg)); }

// `u` applied to HostConfig `hc`, checked as Docker's daemon checks an update.
Result<void> merge_update(const UpdateOptions& u, oci::Json& hc) {
  int64_t memory = TRY(oci::get_int(hc, "Memory"));
  HostFlags mem;
  mem.memory_swap = u.memory_swap.value_or(TRY(oci::get_int(hc, "MemorySwap")));
  mem.memory_reservation =
      u.memory_reservation.value_or(TRY(oci::get_int(hc, "MemoryReservation")));
  if (u.memory) {
    // A swap limit in force stays, so a memory limit may not pass it (Docker's words).
    if (mem.memory_swap > 0 && *u.memory > mem.memory_swap && !u.memory_swap)
      return invalid(
          "Memory limit should be smaller than already set memoryswap limit, update the "
          "memoryswap at the same time");
    memory = *u.memory;
  }
  TRY(check_memory(mem, memory));
  if (u.cpu_shares && (*u.cpu_shares < 0 || *u.cpu_shares > 262144))
    return invalid("invalid --cpu-shares: the allowed range is 2 to 262144 (0: the default)");
  if (u.cpuset_cpus && !u.cpuset_cpus->empty())
    TRY(check_cpuset(*u.cpuset_cpus, TRY(sys::read_file("/sys/devices/system/cpu/online", 4096))));
  hc["Memory"] = memory;
  hc["MemorySwap"] = mem.memory_swap;
  hc["MemoryReservation"] = mem.memory_reservation;
  if (u.nano_cpus) hc["NanoCpus"] = *u.nano_cpus;
  if (u.cpu_shares) hc["CpuShares"] = *u.cpu_shares;
  if (u.cpuset_cpus) hc["CpusetCpus"] = *u.cpuset_cpus;
  // 0 is "unlimited" to update (nothing to leave unset: a limit may be in force).
  if (u.pids_limit) hc["PidsLimit"] = *u.pids_limit == 0 ? -1 : *u.pids_limit;
  return {};
}

// What the runtime's `update` gets: the new linux.resources without the device rules
// (set once at create); a memory limit below the usage is refused on v2 too.
oci::Json live_resources(const oci::Json& resources) {
  oci::Json r = resources;
  r.erase("devices");
  if (r.contains("memory") && r["memory"].is_object()) r["memory"]["checkBeforeUpdate"] = true;
  return r;
}

}  // namespace

Result<void> Engine::update(Container& c, const UpdateOptions& u) {
  auto lock = TRY(lock_and_get(c));
  Container next = c;
  TRY(merge_update(u, next.host_config));
  std::string config_path = dir(c) + "/config.json";
  oci::Json spec = TRY(oci::parse_json(TRY(sys::read_file(config_path)), config_path));
  if (!spec.contains("linux") || !spec["linux"].is_object())
    return Error::make(Errc::kCorrupt, fmt::format("{}: no linux object", config_path));
  // make_spec maps HostConfig to linux.resources for create; the same mapping here.
  std::string rootfs = TRY(oci::get_string(*TRY(oci::get_object(spec, "root")), "path"));
  oci::Json fresh = TRY(make_spec(next, LaunchUser{}, rootfs, dir(next)));
  oci::Json resources = fresh["linux"]["resources"];
  spec["linux"]["resources"] = resources;
  // config.json first: a run the monitor starts from now on (a restart policy's) gets the
  // new limits. A restarting container has no live process to update; one running now
  // is updated through the runtime, and a refusal puts the old config.json back.
  std::string old_config = TRY(sys::read_file(config_path));
  TRY(sys::write_file_atomic(config_path, oci::dump_json_pretty(spec), 0600));
  if (c.state.running() && !c.state.restarting()) {
    std::string file = run_dir(c) + "/update-" + new_id().substr(0, 12) + ".json";
    auto live = sys::write_file_atomic(file, oci::dump_json(live_resources(resources)), 0600);
    auto out = live.ok() ? runtime_output(c, {"update", "--resources", file, c.id})
                         : Result<std::string>(std::move(live).error());
    ::unlink(file.c_str());
    if (!out.ok()) {
      (void)sys::write_file_atomic(config_path, old_config, 0600);
      return Error::make(Errc::kInvalidArgument, fmt::format("Cannot update container {}: {}", c.id,
                                                             out.error().message()));
    }
  }
  auto st = TRY(store_.db().prepare("UPDATE containers SET config = ? WHERE id = ?"));
  oci::Json cfg = {
      {"Config", next.config}, {"HostConfig", next.host_config}, {"Mounts", next.mounts}};
  st.bind(1, oci::dump_json(cfg)).bind(2, c.id);
  TRY(st.run());
  c = std::move(next);
  return {};
}

Result<std::vector<int64_t>> Engine::processes(const Container& c) {
  if (!c.state.running())
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("container {} is not running", c.short_id()));
  struct stat init_ns;
  if (::stat(fmt::format("/proc/{}/ns/pid", c.state.pid).c_str(), &init_ns) < 0)
    return Error::from_errno(errno, fmt::format("container {}: its init is gone", c.short_id()));
  std::vector<int64_t> pids;
  DIR* d = ::opendir("/proc");
  if (d == nullptr) return Error::from_errno(errno, "open `/proc`");
  while (struct dirent* e = ::readdir(d)) {
    int64_t pid = 0;
    std::string_view name(e->d_name);
    auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (ec != std::errc() || end != name.data() + name.size()) continue;
    struct stat ns;
    if (::stat(fmt::format("/proc/{}/ns/pid", pid).c_str(), &ns) == 0 &&
        ns.st_ino == init_ns.st_ino && ns.st_dev == init_ns.st_dev)
      pids.push_back(pid);
  }
  ::closedir(d);
  std::sort(pids.begin(), pids.end());
  return pids;
}

Result<oci::Json> Engine::stats(const Container& c) {
  if (!c.state.running())
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("container {} is not running", c.short_id()));
  std::string out = TRY(runtime_output(c, {"events", "--stats", c.id}));
  oci::Json j = TRY(oci::parse_json(out, "the runtime's stats"));
  auto data = j.find("data");
  if (data == j.end() || !data->is_object())
    return Error::make(Errc::kCorrupt, "the runtime's stats: no data");
  return *data;
}

}  // namespace strata::container
