// SPDX-License-Identifier: Apache-2.0
// The monitor's run-state lines and the cgroup OOM count (run_state.h).
#include "container/monitor/run_state.h"

#include <fmt/format.h>

#include <charconv>
#include <vector>

#include "util/strings.h"

namespace strata::container::monitor {

namespace {

template <typename T>
bool number(std::string_view s, T* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

bool flag(std::string_view s, bool* out) {
  if (s != "0" && s != "1") return false;
  *out = s == "1";
  return true;
}

}  // namespace

std::string format_exit(const ExitRecord& e) {
  return fmt::format("{} {} {} {}\n", e.code, e.finished_ns, e.oom_killed ? 1 : 0,
                     e.restart_count.value_or(0));
}

std::optional<ExitRecord> parse_exit(std::string_view line) {
  auto f = split(trim(line), ' ');
  ExitRecord e;
  if (f.size() < 2 || !number(f[0], &e.code) || !number(f[1], &e.finished_ns)) return {};
  if (f.size() >= 3 && !flag(f[2], &e.oom_killed)) return {};
  int count = 0;
  if (f.size() >= 4) {
    if (!number(f[3], &count)) return {};
    e.restart_count = count;
  }
  return e;
}

std::string format_status(const RunStatus& s) {
  return fmt::format("{} {} {} {} {} {} {}\n", s.restarting ? "restarting" : "running", s.pid,
                     s.restart_count, s.exit_code, s.oom_killed ? 1 : 0, s.started_ns,
                     s.finished_ns);
}

std::optional<RunStatus> parse_status(std::string_view line) {
  auto f = split(trim(line), ' ');
  RunStatus s;
  if (f.size() != 7 || (f[0] != "running" && f[0] != "restarting")) return {};
  s.restarting = f[0] == "restarting";
  if (!number(f[1], &s.pid) || !number(f[2], &s.restart_count) || !number(f[3], &s.exit_code) ||
      !flag(f[4], &s.oom_killed) || !number(f[5], &s.started_ns) || !number(f[6], &s.finished_ns))
    return {};
  return s;
}

bool is_stop(std::string_view text) { return trim(text) == "stop"; }

std::string oom_events_file(std::string_view proc_cgroup, bool unified) {
  // Lines "ID:CONTROLLERS:PATH"; v2's is "0::PATH".
  for (const auto& line : split(proc_cgroup, '\n')) {
    size_t a = line.find(':');
    size_t b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    if (path.empty() || path[0] != '/') continue;
    if (unified && controllers.empty()) return "/sys/fs/cgroup" + path + "/memory.events";
    if (!unified)
      for (const auto& c : split(controllers, ','))
        if (c == "memory") return "/sys/fs/cgroup/memory" + path + "/memory.oom_control";
  }
  return "";
}

std::optional<int64_t> parse_oom_kill(std::string_view text) {
  for (const auto& line : split(text, '\n')) {
    auto f = split(trim(line), ' ');
    int64_t n = 0;
    if (f.size() == 2 && f[0] == "oom_kill" && number(f[1], &n)) return n;
  }
  return {};
}

}  // namespace strata::container::monitor
