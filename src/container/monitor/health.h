// SPDX-License-Identifier: Apache-2.0
// Health checks, run by the monitor as Docker's daemon/health.go runs them: a probe is the
// container's runtime `exec` of the HEALTHCHECK command; exit 0 is healthy, anything else
// a failure (a probe past its timeout is killed and fails with exit code -1). The status
// goes starting -> healthy/unhealthy: `retries` failures in a row make it unhealthy, one
// success healthy; failures within the start period do not count until a probe has
// succeeded. The last 5 results are kept, each with at most 4096 bytes of output.
//
// HealthState is the pure part (timing, streaks, log; unit-tested); HealthChecker runs
// the probes from the monitor's poll loop without ever blocking it. The engine writes
// BUNDLE/health-timing and BUNDLE/health-process.json at create (container/healthcheck.h);
// the monitor writes the state, Docker's State.Health as JSON, to RUNDIR/health.json after
// every probe and, when the container stops, to BUNDLE/health.json.
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "util/unique_fd.h"

namespace strata::container::monitor {

// Files of the health check (protocol.h names the others).
inline constexpr const char* kHealthTimingFile = "health-timing";         // in BUNDLE
inline constexpr const char* kHealthProcessFile = "health-process.json";  // in BUNDLE
inline constexpr const char* kHealthFile = "health.json";    // in RUNDIR, and BUNDLE once stopped
inline constexpr const char* kHealthPidFile = "health.pid";  // in RUNDIR: the probe's pid
inline constexpr const char* kPausedFile = "paused";         // in RUNDIR while paused

// Docker's constants (daemon/health.go).
inline constexpr int64_t kSecond = 1'000'000'000;
inline constexpr int64_t kDefaultInterval = 30 * kSecond, kDefaultTimeout = 30 * kSecond,
                         kDefaultStartPeriod = 0, kDefaultStartInterval = 5 * kSecond;
inline constexpr int kDefaultRetries = 3;
inline constexpr size_t kMaxOutput = 4096, kMaxLogEntries = 5;

// The configured timing in nanoseconds, 0 meaning Docker's default; retries 0 likewise.
struct HealthTiming {
  int64_t interval = 0, timeout = 0, start_period = 0, start_interval = 0;
  int64_t retries = 0;
};
// "INTERVAL TIMEOUT START_PERIOD START_INTERVAL RETRIES\n", decimal: health-timing.
std::string format_health_timing(const HealthTiming& t);
// False if `text` is not that (negative values included).
bool parse_health_timing(std::string_view text, HealthTiming* t);

struct ProbeResult {
  int64_t start_ns = 0, end_ns = 0;  // unix time
  int exit_code = 0;
  std::string output;
};

// Docker's limitedBuffer: the first kMaxOutput bytes, then "..." if more came.
class ProbeOutput {
 public:
  void append(std::string_view data);
  std::string text() const { return truncated_ ? buf_ + "..." : buf_; }

 private:
  std::string buf_;
  bool truncated_ = false;
};

class HealthState {
 public:
  explicit HealthState(const HealthTiming& t);
  // A (re)start at monotonic time `started`: starting, no failing streak. The log stays,
  // as Docker keeps it across restarts.
  void reset(int64_t started);
  // How long to wait, from `now` (after the start or the end of a probe), before the next
  // probe: the interval; during the start period while starting, the start interval; and
  // never past the end of the start period (the next probe runs as it ends).
  int64_t next_delay(int64_t now) const;
  // Takes a probe's result; `probe_start` is when it began, on the monotonic clock.
  void record(ProbeResult r, int64_t probe_start);
  const std::string& status() const { return status_; }
  int failing_streak() const { return streak_; }
  const std::deque<ProbeResult>& log() const { return log_; }
  int64_t timeout() const { return timeout_; }
  // Docker's State.Health: {"Status":..,"FailingStreak":..,"Log":[{"Start","End",
  // "ExitCode","Output"}]}, times in RFC 3339 with nanoseconds.
  std::string json() const;

 private:
  int64_t interval_, timeout_, start_period_, start_interval_;
  int retries_;
  int64_t started_ = 0;
  std::string status_ = "starting";
  int streak_ = 0;
  std::deque<ProbeResult> log_;
};

// Runs the probes of one container from the monitor's poll loop: want() and timeout_ms()
// before poll, handle() after, reaped() for every child the monitor reaps.
class HealthChecker {
 public:
  // `runtime` is the runtime's argv up to its command ({path, "--root", root}). Reads
  // STORE_ROOT/BUNDLE/health-timing: false (no health check) if there is none.
  bool load(const std::string& store_root, const std::string& bundle, const std::string& run_dir,
            std::vector<std::string> runtime, const std::string& id);
  bool enabled() const { return enabled_; }
  // The container (re)started now: starting, the first probe after the first delay.
  void start();
  // Appends the running probe's output pipe to `fds`.
  void want(std::vector<pollfd>& fds);
  // Milliseconds until there is something to do (-1: nothing scheduled).
  int timeout_ms() const;
  // Reads the probe's output; starts a probe that is due; kills one past its timeout.
  void handle(const std::vector<pollfd>& fds);
  // A child the monitor reaped: true if it was the probe's runtime. Its result is taken by
  // the next handle(), so that a probe that ends with the container is not counted.
  bool reaped(pid_t pid, int status);
  // The container stopped: a running probe is killed and its result dropped (as Docker
  // drops it); the state is kept in BUNDLE/health.json for inspect.
  void stop();

 private:
  void begin_probe();
  void kill_probe();
  void finish_probe(int exit_code);
  void save(const std::string& path) const;

  bool enabled_ = false;
  HealthState state_{HealthTiming{}};
  std::vector<std::string> argv_;
  std::string run_dir_, saved_path_, pid_path_;
  int64_t next_probe_ = 0;  // monotonic ns: when the next probe starts (no probe running)
  // The probe in progress: the runtime's pid, its output pipe, when it started.
  pid_t pid_ = 0;
  UniqueFd out_;
  ProbeOutput output_;
  int64_t probe_start_ = 0, probe_start_unix_ = 0, deadline_ = 0;
  bool timed_out_ = false;
  bool exited_ = false;  // the runtime was reaped (its pid may be reused: never signalled)
  int exit_status_ = 0;  // its wait status
};

// The monotonic clock in nanoseconds.
int64_t monotonic_ns();

}  // namespace strata::container::monitor
