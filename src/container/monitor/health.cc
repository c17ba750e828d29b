// SPDX-License-Identifier: Apache-2.0
#include "container/monitor/health.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstring>

#include "container/monitor/json_log.h"
#include "sys/fs.h"
#include "sys/spawn.h"
#include "util/duration.h"
#include "util/strings.h"

namespace strata::container::monitor {

namespace {

constexpr int64_t kMillisecond = 1'000'000;
// Docker gives a probe's exec 30 s to start before it fails (time not counted against
// the probe's own timeout); a runtime killed past its timeout gets 1 s to exit.
constexpr int64_t kStartTimeout = 30 * kSecond, kKillGrace = kSecond;

int64_t or_default(int64_t v, int64_t dflt) { return v == 0 ? dflt : v; }

// Go's time.RFC3339Nano, as Docker's JSON writes times: trailing zeros of the fraction
// dropped.
std::string rfc3339_nano(int64_t ns) {
  std::string s = format_rfc3339(ns / kSecond, ns % kSecond);
  if (s.find('.') == std::string::npos) return s;
  s.pop_back();  // Z
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s + "Z";
}

bool parse_int(std::string_view s, int64_t* v) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && end == s.data() + s.size() && *v >= 0;
}

// The pid the runtime wrote for the probe's process, or 0.
pid_t read_pid(const std::string& path) {
  auto text = sys::read_file(path, 64);
  int64_t pid = 0;
  if (!text.ok() || !parse_int(trim(*text), &pid) || pid <= 1 || pid > INT_MAX) return 0;
  return static_cast<pid_t>(pid);
}

// The processes descended from `root` (its children, theirs, ...), from each /proc/PID/stat's
// parent pid: the kernel here may lack /proc/PID/task/TID/children.
std::vector<pid_t> descendants(pid_t root) {
  std::vector<std::pair<pid_t, pid_t>> parent_of;  // (pid, ppid)
  DIR* d = ::opendir("/proc");
  if (d == nullptr) return {};
  while (struct dirent* e = ::readdir(d)) {
    int64_t pid = 0;
    if (!parse_int(e->d_name, &pid) || pid <= 1 || pid > INT_MAX) continue;
    auto stat = sys::read_file(fmt::format("/proc/{}/stat", pid), 1024);
    if (!stat.ok()) continue;
    size_t close = stat->rfind(')');  // the name may hold spaces and parentheses
    if (close == std::string::npos) continue;
    auto f = split_fields(std::string_view(*stat).substr(close + 1), 3);
    int64_t ppid = 0;
    if (f.size() >= 2 && parse_int(f[1], &ppid))
      parent_of.emplace_back(static_cast<pid_t>(pid), static_cast<pid_t>(ppid));
  }
  ::closedir(d);
  std::vector<pid_t> out = {root};
  for (size_t i = 0; i < out.size(); ++i)
    for (const auto& [pid, ppid] : parent_of)
      if (ppid == out[i]) out.push_back(pid);
  out.erase(out.begin());
  return out;
}

// Kills the probe's process, its process group (strata-runtime starts it in a session of
// its own) and what it started (runc leaves it in the runtime's group).
void kill_tree(pid_t probe) {
  std::vector<pid_t> tree = descendants(probe);
  ::kill(-probe, SIGKILL);
  ::kill(probe, SIGKILL);
  for (pid_t p : tree) ::kill(p, SIGKILL);
}

}  // namespace

int64_t monotonic_ns() {
  struct timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * kSecond + ts.tv_nsec;
}

std::string format_health_timing(const HealthTiming& t) {
  return fmt::format("{} {} {} {} {}\n", t.interval, t.timeout, t.start_period, t.start_interval,
                     t.retries);
}

bool parse_health_timing(std::string_view text, HealthTiming* t) {
  auto f = split_fields(trim(text));
  return f.size() == 5 && parse_int(f[0], &t->interval) && parse_int(f[1], &t->timeout) &&
         parse_int(f[2], &t->start_period) && parse_int(f[3], &t->start_interval) &&
         parse_int(f[4], &t->retries) && t->retries <= INT_MAX;
}

void ProbeOutput::append(std::string_view data) {
  size_t keep = std::min(kMaxOutput - buf_.size(), data.size());
  buf_.append(data.substr(0, keep));
  if (keep < data.size()) truncated_ = true;
}

// An image's timing is not checked by Docker (only the flags are): intervals shorter than
// a millisecond are taken as one, so that a probe cannot spin the monitor.
HealthState::HealthState(const HealthTiming& t)
    : interval_(std::max(or_default(t.interval, kDefaultInterval), kMillisecond)),
      timeout_(or_default(t.timeout, kDefaultTimeout)),
      start_period_(or_default(t.start_period, kDefaultStartPeriod)),
      start_interval_(std::max(or_default(t.start_interval, kDefaultStartInterval), kMillisecond)),
      retries_(t.retries <= 0 ? kDefaultRetries : static_cast<int>(t.retries)) {}

void HealthState::reset(int64_t started) {
  started_ = started;
  status_ = "starting";
  streak_ = 0;
}

int64_t HealthState::next_delay(int64_t now) const {
  int64_t elapsed = now - started_;
  if (elapsed >= start_period_) return interval_;
  int64_t remaining = start_period_ - elapsed;
  if (remaining < interval_) return remaining;
  return status_ == "starting" ? start_interval_ : interval_;
}

void HealthState::record(ProbeResult r, int64_t probe_start) {
  if (log_.size() >= kMaxLogEntries) log_.pop_front();
  bool healthy = r.exit_code == 0;
  log_.push_back(std::move(r));
  if (healthy) {
    streak_ = 0;
    status_ = "healthy";
    return;
  }
  // Until a probe succeeds, failures within the start period do not count.
  if (status_ == "starting" && probe_start - started_ < start_period_) return;
  if (++streak_ >= retries_) status_ = "unhealthy";
}

std::string HealthState::json() const {
  std::string out = fmt::format(R"({{"Status":"{}","FailingStreak":{},"Log":[)", status_, streak_);
  for (size_t i = 0; i < log_.size(); ++i) {
    const ProbeResult& r = log_[i];
    out += fmt::format(R"({}{{"Start":"{}","End":"{}","ExitCode":{},"Output":")", i ? "," : "",
                       rfc3339_nano(r.start_ns), rfc3339_nano(r.end_ns), r.exit_code);
    append_escaped(out, r.output);
    out += "\"}";
  }
  return out + "]}";
}

bool HealthChecker::load(const std::string& store_root, const std::string& bundle,
                         const std::string& run_dir, std::vector<std::string> runtime,
                         const std::string& id) {
  std::string dir = store_root + "/" + bundle;
  auto text = sys::read_file(dir + "/" + kHealthTimingFile, 256);
  HealthTiming timing;
  if (!text.ok() || !parse_health_timing(*text, &timing)) return false;
  state_ = HealthState(timing);
  run_dir_ = run_dir;
  saved_path_ = dir + "/" + kHealthFile;
  pid_path_ = run_dir + "/" + kHealthPidFile;
  argv_ = std::move(runtime);
  argv_.insert(argv_.end(),
               {"exec", "--process", dir + "/" + kHealthProcessFile, "--pid-file", pid_path_, id});
  enabled_ = true;
  return true;
}

void HealthChecker::start() {
  if (!enabled_) return;
  int64_t now = monotonic_ns();
  state_.reset(now);
  next_probe_ = now + state_.next_delay(now);
  save(run_dir_ + "/" + kHealthFile);
}

void HealthChecker::want(std::vector<pollfd>& fds) {
  if (out_.valid()) fds.push_back({out_.get(), POLLIN, 0});
}

int HealthChecker::timeout_ms() const {
  if (!enabled_) return -1;
  if (pid_ > 0 && exited_) return 0;
  int64_t at = pid_ > 0 ? deadline_ : next_probe_;
  int64_t left = at - monotonic_ns();
  if (left <= 0) return 0;
  return static_cast<int>(std::min<int64_t>((left + kMillisecond - 1) / kMillisecond, INT_MAX));
}

void HealthChecker::handle(const std::vector<pollfd>& fds) {
  if (!enabled_) return;
  if (out_.valid())
    for (const auto& p : fds)
      if (p.fd == out_.get() && p.revents != 0) {
        char buf[4096];
        ssize_t n;
        while ((n = ::read(out_.get(), buf, sizeof buf)) > 0)
          output_.append(std::string_view(buf, static_cast<size_t>(n)));
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) out_.reset();
        break;
      }
  if (pid_ > 0 && exited_)
    finish_probe(WIFEXITED(exit_status_) ? WEXITSTATUS(exit_status_)
                                         : 128 + WTERMSIG(exit_status_));
  int64_t now = monotonic_ns();
  if (pid_ == 0 && now >= next_probe_) begin_probe();
  if (pid_ > 0 && !exited_ && now >= deadline_) kill_probe();
}

void HealthChecker::begin_probe() {
  int64_t now = monotonic_ns();
  // Docker runs no probe while the container is paused (pause writes the marker).
  if (sys::exists(run_dir_ + "/" + kPausedFile)) {
    next_probe_ = now + state_.next_delay(now);
    return;
  }
  ::unlink(pid_path_.c_str());
  output_ = ProbeOutput();
  timed_out_ = exited_ = false;
  probe_start_ = now;
  probe_start_unix_ = realtime_ns();
  deadline_ = now + state_.timeout();
  int p[2];
  if (::pipe2(p, O_CLOEXEC) < 0) {
    output_.append(fmt::format("health check: pipe: {}", std::strerror(errno)));
    finish_probe(-1);
    return;
  }
  UniqueFd write_end(p[1]);
  out_.reset(p[0]);
  ::fcntl(p[0], F_SETFL, O_NONBLOCK);  // only ours: the probe writes to a blocking pipe
  auto pid = sys::spawn(argv_, {sys::SpawnFds::kNull, p[1], p[1], -1});
  if (!pid.ok()) {
    output_.append(pid.error().message());
    finish_probe(-1);
    return;
  }
  pid_ = *pid;
}

// Past the timeout: the probe's process and what it started are killed, and the runtime,
// waiting for it, exits. Before the
// runtime has written the pid the process is still being set up: Docker does not count
// that time, so the kill waits for it (at most kStartTimeout, then the runtime is killed).
void HealthChecker::kill_probe() {
  int64_t now = monotonic_ns();
  if (timed_out_) {  // killed, and the runtime has not exited within the grace
    ::kill(pid_, SIGKILL);
    deadline_ = now + kKillGrace;
    return;
  }
  // The runtime has not been reaped, so the pid is still its child's (no reuse): a group
  // with that id can only be the probe's own.
  pid_t probe = read_pid(pid_path_);
  if (probe == 0 && now - probe_start_ < state_.timeout() + kStartTimeout) {
    deadline_ = now + 10 * kMillisecond;
    return;
  }
  timed_out_ = true;
  deadline_ = now + kKillGrace;
  if (probe > 0)
    kill_tree(probe);
  else
    ::kill(pid_, SIGKILL);
}

bool HealthChecker::reaped(pid_t pid, int status) {
  if (pid_ == 0 || pid != pid_ || exited_) return false;
  exited_ = true;
  exit_status_ = status;
  return true;
}

void HealthChecker::finish_probe(int exit_code) {
  if (out_.valid()) {  // what is already in the pipe; a process the probe left may hold it open
    char buf[4096];
    ssize_t n;
    while ((n = ::read(out_.get(), buf, sizeof buf)) > 0)
      output_.append(std::string_view(buf, static_cast<size_t>(n)));
    out_.reset();
  }
  bool started = pid_ == 0 || sys::exists(pid_path_);
  pid_ = 0;
  ::unlink(pid_path_.c_str());
  ProbeResult r{probe_start_unix_, realtime_ns(), exit_code, output_.text()};
  if (timed_out_) {
    std::string timeout = format_go_duration(state_.timeout());
    r.exit_code = -1;
    r.output = r.output.empty()
                   ? fmt::format("Health check exceeded timeout ({})", timeout)
                   : fmt::format("Health check exceeded timeout ({}): {}", timeout, r.output);
  } else if (!started) {
    // The runtime failed before the process ran (and said why): Docker's exec error.
    r.exit_code = -1;
    r.output = std::string(trim(r.output));
  }
  // A probe that ends after a pause began is dropped, as Docker cancels it.
  if (!sys::exists(run_dir_ + "/" + kPausedFile)) {
    state_.record(std::move(r), probe_start_);
    save(run_dir_ + "/" + kHealthFile);
  }
  int64_t now = monotonic_ns();  // the next one after this one's end, by its new status
  next_probe_ = now + state_.next_delay(now);
}

void HealthChecker::stop() {
  if (!enabled_) return;
  if (pid_ > 0 && !exited_) {
    pid_t probe = read_pid(pid_path_);
    if (probe > 0) kill_tree(probe);
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  pid_ = 0;
  out_.reset();
  save(saved_path_);
}

// A state that cannot be written is only not shown: the probes go on.
void HealthChecker::save(const std::string& path) const {
  (void)sys::write_file_atomic(path, state_.json(), 0644);
}

}  // namespace strata::container::monitor
