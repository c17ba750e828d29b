// SPDX-License-Identifier: Apache-2.0
#include "runtime/cgroup/stats.h"

#include <unistd.h>

#include <cstdlib>
#include <limits>
#include <map>
#include <optional>

#include "util/strings.h"

namespace strata::runtime::cgroup {

namespace {

using oci::Json;

constexpr uint64_t kNoLimit = std::numeric_limits<uint64_t>::max();

// One number ("max" is no limit); nullopt when the file is missing or not a number.
std::optional<uint64_t> number(Manager& m, const char* ctrl, const char* file) {
  auto text = m.read(ctrl, file);
  if (!text.ok()) return std::nullopt;
  std::string v(trim(*text));
  if (v == "max") return kNoLimit;
  char* end = nullptr;
  uint64_t n = std::strtoull(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0') return std::nullopt;
  return n;
}

// "key value" lines (memory.stat, cpu.stat, memory.events).
std::map<std::string, uint64_t> keyed(Manager& m, const char* ctrl, const char* file) {
  std::map<std::string, uint64_t> out;
  auto text = m.read(ctrl, file);
  if (!text.ok()) return out;
  for (const auto& line : split(*text, '\n')) {
    auto parts = split(line, ' ');
    if (parts.size() == 2) out[parts[0]] = std::strtoull(parts[1].c_str(), nullptr, 10);
  }
  return out;
}

void put(Json& j, const char* key, std::optional<uint64_t> v) {
  if (v) j[key] = *v;
}

Json v1_stats(Manager& m) {
  Json data = Json::object();
  Json usage = Json::object();
  put(usage, "total", number(m, "cpuacct", "cpuacct.usage"));
  if (auto per = m.read("cpuacct", "cpuacct.usage_percpu"); per.ok()) {
    Json list = Json::array();
    for (const auto& v : split(std::string(trim(*per)), ' '))
      if (!v.empty()) list.push_back(std::strtoull(v.c_str(), nullptr, 10));
    usage["percpu"] = list;
  }
  // cpuacct.stat counts USER_HZ ticks.
  auto ticks = keyed(m, "cpuacct", "cpuacct.stat");
  uint64_t ns_per_tick = 1000000000ULL / static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
  usage["kernel"] = ticks["system"] * ns_per_tick;
  usage["user"] = ticks["user"] * ns_per_tick;
  auto cpu_stat = keyed(m, "cpu", "cpu.stat");
  data["cpu"] = {{"usage", usage},
                 {"throttling",
                  {{"periods", cpu_stat["nr_periods"]},
                   {"throttledPeriods", cpu_stat["nr_throttled"]},
                   {"throttledTime", cpu_stat["throttled_time"]}}}};
  Json mem = Json::object();
  auto entry = [&](const char* prefix) {
    Json e = Json::object();
    std::string p = prefix;
    put(e, "usage", number(m, "memory", (p + "usage_in_bytes").c_str()));
    put(e, "max", number(m, "memory", (p + "max_usage_in_bytes").c_str()));
    put(e, "limit", number(m, "memory", (p + "limit_in_bytes").c_str()));
    put(e, "failcnt", number(m, "memory", (p + "failcnt").c_str()));
    return e;
  };
  mem["usage"] = entry("memory.");
  mem["swap"] = entry("memory.memsw.");
  auto raw = keyed(m, "memory", "memory.stat");
  if (!raw.empty()) {
    mem["raw"] = raw;
    mem["cache"] = raw.count("total_cache") ? raw["total_cache"] : raw["cache"];
  }
  data["memory"] = mem;
  return data;
}

Json v2_stats(Manager& m) {
  Json data = Json::object();
  auto cpu_stat = keyed(m, "cpu", "cpu.stat");
  data["cpu"] = {{"usage",
                  {{"total", cpu_stat["usage_usec"] * 1000},
                   {"kernel", cpu_stat["system_usec"] * 1000},
                   {"user", cpu_stat["user_usec"] * 1000}}},
                 {"throttling",
                  {{"periods", cpu_stat["nr_periods"]},
                   {"throttledPeriods", cpu_stat["nr_throttled"]},
                   {"throttledTime", cpu_stat["throttled_usec"] * 1000}}}};
  Json usage = Json::object();
  put(usage, "usage", number(m, "memory", "memory.current"));
  put(usage, "max", number(m, "memory", "memory.peak"));
  put(usage, "limit", number(m, "memory", "memory.max"));
  usage["failcnt"] = keyed(m, "memory", "memory.events")["max"];
  Json swap = Json::object();
  put(swap, "usage", number(m, "memory", "memory.swap.current"));
  put(swap, "limit", number(m, "memory", "memory.swap.max"));
  Json mem = {{"usage", usage}, {"swap", swap}};
  auto raw = keyed(m, "memory", "memory.stat");
  if (!raw.empty()) {
    mem["raw"] = raw;
    mem["cache"] = raw["file"];
  }
  data["memory"] = mem;
  return data;
}

}  // namespace

Json collect_stats(Manager& m) {
  Json data = m.view().v2 ? v2_stats(m) : v1_stats(m);
  Json pids = Json::object();
  put(pids, "current", number(m, "pids", "pids.current"));
  // runc's encoding: no limit is 0.
  if (auto limit = number(m, "pids", "pids.max")) pids["limit"] = *limit == kNoLimit ? 0 : *limit;
  data["pids"] = pids;
  return data;
}

uint64_t oom_kills(Manager& m) {
  const char* file = m.view().v2 ? "memory.events" : "memory.oom_control";
  return keyed(m, "memory", file)["oom_kill"];
}

}  // namespace strata::runtime::cgroup
