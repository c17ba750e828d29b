// SPDX-License-Identifier: Apache-2.0
// The run-state files a monitor leaves in the container's run directory for the engine,
// which reads them lazily (every command reconciles a container's row with them, see
// container.h), and the OOM count it reads from the container's memory cgroup. Each file
// is one line, written whole with a rename, so a reader sees the old line or the new.
//
//   exit    "<code> <finished unix ns> <oom 0|1> <restart count>\n": the container ended
//           for good (the monitor is about to exit). Older monitors wrote 3 fields.
//   status  "<running|restarting> <pid> <restart count> <exit code> <oom 0|1> <started ns>
//           <finished ns>\n": rewritten at each restart (absent until the first one): while
//           restarting, pid is 0 and exit code, oom and finished time are the run that
//           ended; while running again, pid and started time are the new run's.
//   stop    "stop\n", written by the engine before it signals the container (stop, kill,
//           rm -f) or while the monitor waits to restart it: no restart, whatever the
//           policy, as Docker cancels its restart manager (ExitOnNext). The engine then
//           connects to attach.sock, which wakes a monitor waiting out its back-off.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace strata::container::monitor {

inline constexpr const char* kStatusFile = "status";
inline constexpr const char* kStopFile = "stop";

struct ExitRecord {
  int code = 0;
  int64_t finished_ns = 0;
  bool oom_killed = false;
  std::optional<int> restart_count;  // absent in an older monitor's file
};
std::string format_exit(const ExitRecord& e);
std::optional<ExitRecord> parse_exit(std::string_view line);

struct RunStatus {
  bool restarting = false;
  int64_t pid = 0;
  int restart_count = 0;
  int exit_code = 0;
  bool oom_killed = false;
  int64_t started_ns = 0, finished_ns = 0;
};
std::string format_status(const RunStatus& s);
std::optional<RunStatus> parse_status(std::string_view line);

inline constexpr std::string_view kStopLine = "stop\n";
// Whether a stop file's text asks for the end.
bool is_stop(std::string_view text);

// The file that counts OOM kills in the memory cgroup of a process, from its
// /proc/PID/cgroup text: with cgroup v2 alone (`unified`), "/sys/fs/cgroup<path>/
// memory.events"; with v1, "/sys/fs/cgroup/memory<path>/memory.oom_control". Empty if
// the process has no memory cgroup.
std::string oom_events_file(std::string_view proc_cgroup, bool unified);
// The "oom_kill N" count of a memory.events or memory.oom_control text; nothing if the
// kernel does not count (v1 before Linux 4.13).
std::optional<int64_t> parse_oom_kill(std::string_view text);

}  // namespace strata::container::monitor
