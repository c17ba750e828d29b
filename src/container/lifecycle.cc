// SPDX-License-Identifier: Apache-2.0
// start, stop, kill, remove, wait and the reconciliation of recorded state with what a
// container's monitor left (sync). Processes are started with posix_spawn: the engine
// runs no code of its own between fork and exec.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <thread>

#include "container/container.h"
#include "container/monitor/protocol.h"
#include "container/monitor/run_state.h"
#include "container/spec.h"
#include "container/volumes.h"
#include "snapshot/snapshot.h"
#include "sys/fs.h"
#include "sys/io.h"
#include "sys/spawn.h"
#include "sys/unix_socket.h"
#include "util/strings.h"

namespace strata::container {

namespace {

namespace mon = monitor;

// Runs argv with fd `sync` as its fd 3 (or none), stdin from /dev/null, and waits.
Result<int> spawn_and_wait(const std::vector<std::string>& argv, int sync, bool quiet) {
  sys::SpawnFds fds;
  if (!quiet) fds.out = fds.err = sys::SpawnFds::kInherit;
  fds.extra = sync;
  pid_t pid = TRY(sys::spawn(argv, fds));
  return sys::wait_exit(pid);
}

// The monitor of a running container holds an exclusive flock on its lock file. Returns
// the open lock file if it is held, else nothing (no file, or nobody holds it).
UniqueFd held_lock(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return {};
  if (::flock(fd.get(), LOCK_SH | LOCK_NB) == 0) return {};
  return fd;
}

// An exclusive lock on one container's start/stop/remove (RUNROOT/locks/<id>).
Result<UniqueFd> op_lock(const std::string& run_root, const std::string& id) {
  TRY(sys::mkdir_p(run_root + "/locks", 0700));
  std::string path = run_root + "/locks/" + id;
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd.valid()) return Error::from_errno(errno, fmt::format("open `{}`", path));
  while (::flock(fd.get(), LOCK_EX) < 0)
    if (errno != EINTR) return Error::from_errno(errno, fmt::format("lock `{}`", path));
  return fd;
}

// What a runtime whose state is gone (a reboot, or its root removed) cannot remove any
// more: the container's cgroup directories. rmdir takes only empty ones: a cgroup that
// still has processes stays, and nothing is killed.
void remove_empty_cgroups(const std::string& id) {
  std::string rel = cgroup_path(id);
  if (sys::exists("/sys/fs/cgroup/cgroup.controllers")) {
    ::rmdir(("/sys/fs/cgroup" + rel).c_str());
    return;
  }
  DIR* d = ::opendir("/sys/fs/cgroup");
  if (d == nullptr) return;
  while (struct dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ::rmdir(fmt::format("/sys/fs/cgroup/{}{}", e->d_name, rel).c_str());
  ::closedir(d);
}

std::optional<mon::RunStatus> read_status(const std::string& run) {
  auto text = sys::read_file(run + "/" + mon::kStatusFile, 256);
  return text.ok() ? mon::parse_status(*text) : std::nullopt;
}

// How a container whose monitor is gone ended: the exit file, else the status file of a
// monitor killed while it waited to restart (the run that ended is known), else unknown.
void record_end(State& s, const std::string& run) {
  s.exit_code = kUnknownExit;
  s.finished_ns = realtime_ns();
  s.oom_killed = false;
  auto text = sys::read_file(run + "/" + mon::kExitFile, 256);
  auto status = read_status(run);
  if (auto e = text.ok() ? mon::parse_exit(*text) : std::nullopt) {
    s.exit_code = e->code;
    s.finished_ns = e->finished_ns;
    s.oom_killed = e->oom_killed;
    if (e->restart_count) s.restart_count = *e->restart_count;
  } else if (status) {
    s.restart_count = status->restart_count;
    if (status->restarting) {
      s.exit_code = status->exit_code;
      s.finished_ns = status->finished_ns;
      s.oom_killed = status->oom_killed;
    }
  }
  s.status = "exited";
  s.pid = 0;
  s.monitor_pid = 0;
}

std::string find_in_path(const std::string& name) {
  const char* path = ::getenv("PATH");
  for (const auto& d : split(path ? path : "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", ':')) {
    std::string p = d + "/" + name;
    if (!d.empty() && ::access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

}  // namespace

std::string Engine::runtime_path(const Container& c) const {
  auto recorded = oci::get_string_or(c.host_config, "Runtime", paths_.runtime_name);
  std::string name = recorded.ok() ? *recorded : paths_.runtime_name;
  if (name.empty() || name == paths_.runtime_name) return paths_.runtime;
  if (name.find('/') != std::string::npos) return name;
  return find_in_path(name);
}

std::string Engine::runtime_root(const Container& c) const {
  std::string path = runtime_path(c);
  return paths_.run_root + "/runtime-" + path.substr(path.rfind('/') + 1);
}

Result<int> Engine::run_runtime(const Container& c, std::vector<std::string> args) {
  std::vector<std::string> argv = {runtime_path(c), "--root", runtime_root(c)};
  argv.insert(argv.end(), args.begin(), args.end());
  return spawn_and_wait(argv, -1, true);
}

Result<std::string> Engine::runtime_output(const Container& c, std::vector<std::string> args) {
  std::vector<std::string> argv = {runtime_path(c), "--root", runtime_root(c)};
  argv.insert(argv.end(), args.begin(), args.end());
  auto got = TRY(sys::run_captured(argv));
  if (got.status != 0)
    return Error::make(Errc::kInternal,
                       fmt::format("{} {}: {}", argv[0], args.front(),
                                   got.err.empty() ? fmt::format("exit status {}", got.status)
                                                   : std::string(trim(got.err))));
  return std::move(got.out);
}

// A monitor that is gone: its exit file says how the container ended, or nothing does
// (killed, or the host rebooted and /run was emptied). Whatever it left is undone: the
// runtime's state (and any process still alive), the overlay mount, the run directory.
Result<void> Engine::sync(Container& c) {
  if (!c.state.running()) return {};
  std::string run = run_dir(c);
  if (held_lock(run + "/" + mon::kLockFile).valid()) return sync_restarts(c);
  State before = c.state;
  record_end(c.state, run);
  if (!TRY(save_state_if(c, before))) {  // someone else recorded it first: take theirs
    auto again = TRY(get(c.id));
    c = std::move(again);
    return {};
  }
  TRY(repair(c));
  return {};
}

// Each restart (and each wait before one) rewrites the status file; the row follows it.
// Docker's shape: while restarting, pid 0 and the ended run's exit code; running again,
// exit code 0 and the new run's pid and start. A paused container stays paused.
Result<void> Engine::sync_restarts(Container& c) {
  auto st = read_status(run_dir(c));
  if (!st) return {};  // not restarted yet: the row is what start recorded
  State s = c.state;
  s.restart_count = st->restart_count;
  if (st->restarting) {
    s.status = "restarting";
    s.pid = 0;
    s.exit_code = st->exit_code;
    s.oom_killed = st->oom_killed;
    s.finished_ns = st->finished_ns;
  } else if (c.state.restarting() || c.state.restart_count != st->restart_count) {
    s.status = "running";
    s.pid = st->pid;
    s.exit_code = 0;
    s.oom_killed = false;
    s.started_ns = st->started_ns;
    s.finished_ns = st->finished_ns;
  }
  if (s == c.state) return {};
  State before = c.state;
  c.state = s;
  if (!TRY(save_state_if(c, before))) c = TRY(find(c.id));  // another command recorded it
  return {};
}

Result<void> Engine::repair(Container& c) {
  // Only a runtime that has state for the container has anything to delete: runc, crun
  // and strata-runtime keep it in ROOT/<id>. Most repairs find none (the monitor deleted
  // it), and a runtime started for nothing costs a process start on every start and rm.
  if (sys::exists(runtime_root(c) + "/" + c.id)) (void)run_runtime(c, {"delete", "--force", c.id});
  remove_empty_cgroups(c.id);
  TRY(snapshot::unmount(dir(c) + "/merged"));
  return sys::remove_all(run_dir(c));
}

Result<UniqueFd> Engine::lock(const Container& c) { return op_lock(paths_.run_root, c.id); }

Result<UniqueFd> Engine::lock_and_get(Container& c) {
  auto lock = TRY(op_lock(paths_.run_root, c.id));
  auto current = get(c.id);
  if (!current.ok()) {
    // Removed meanwhile: the lock file this made anew names nothing any more.
    if (current.error().code() == Errc::kNotFound)
      ::unlink((paths_.run_root + "/locks/" + c.id).c_str());
    return std::move(current).error();
  }
  c = std::move(*current);
  return lock;
}

Result<void> Engine::start(Container& c, Attached* attach) {
  auto lock = TRY(lock_and_get(c));
  if (c.state.running())
    return Error::make(Errc::kExists, fmt::format("container {} is already running", c.name));
  if (c.state.status == "dead")
    return Error::make(
        Errc::kInvalidArgument,
        fmt::format("container {} is marked for removal and cannot be started", c.name));
  State before = c.state;
  TRY(repair(c));  // what an earlier run may have left
  std::string run = run_dir(c);
  TRY(sys::mkdir_p(run, 0700));
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return Error::from_errno(errno, "socketpair");
  UniqueFd mine(sv[0]), theirs(sv[1]);
  auto [log_max, log_files] = TRY(log_rotation(c.host_config));
  bool open_stdin = TRY(oci::get_bool_or(c.config, "OpenStdin", false));
  bool tty = TRY(oci::get_bool_or(c.config, "Tty", false));
  RestartPolicy restart = TRY(restart_policy(c));
  bool mount = snapshot::snapshotter(TRY(snapshot::parse_driver(c.driver))).mounted();
  std::vector<std::string> argv = {paths_.monitor,
                                   c.id,
                                   store_.root(),
                                   run,
                                   "containers/" + c.id,
                                   log_path(c),
                                   log_max,
                                   log_files,
                                   runtime_path(c),
                                   runtime_root(c),
                                   mount ? "1" : "0",
                                   open_stdin ? "1" : "0",
                                   tty ? "1" : "0",
                                   format_restart_policy(restart),
                                   attach ? std::to_string(::getpid()) : "0",
                                   "--",
                                   paths_.self,
                                   "--root",
                                   store_.root(),
                                   "--runroot",
                                   paths_.run_root,
                                   "container",
                                   "cleanup",
                                   c.id};
  int rc = TRY(spawn_and_wait(argv, theirs.get(), true));
  theirs.reset();
  if (rc != 0) return Error::make(Errc::kInternal, fmt::format("monitor exited with {}", rc));
  std::string line = mon::read_line(mine.get());
  if (!line.starts_with("created ")) {
    (void)sys::remove_all(run);
    return Error::make(Errc::kInternal,
                       line.starts_with("error ") ? line.substr(6) : "the monitor failed to start");
  }
  auto f = split(line, ' ');
  int64_t pid = 0, monitor_pid = 0;
  if (f.size() >= 3) {
    std::from_chars(f[1].data(), f[1].data() + f[1].size(), pid);
    std::from_chars(f[2].data(), f[2].data() + f[2].size(), monitor_pid);
  }
  if (attach) {
    attach->sock = TRY(sys::connect_unix(run + "/" + mon::kAttachSocket, "attach"));
    // Before "start": the monitor applies it before the process runs.
    if (attach->size &&
        sys::send_all(attach->sock.get(), mon::frame(mon::kResize, *attach->size)) < 0)
      return Error::from_errno(errno, "attach: send window size");
  }
  if (sys::write_all(mine.get(), "start\n") < 0) return Error::from_errno(errno, "start monitor");
  line = mon::read_line(mine.get());
  if (line != "started") {
    (void)sys::remove_all(run);
    return Error::make(Errc::kInternal,
                       line.starts_with("error ") ? line.substr(6) : "the monitor failed to start");
  }
  c.state.status = "running";
  c.state.pid = pid;
  c.state.monitor_pid = monitor_pid;
  c.state.exit_code = 0;
  c.state.started_ns = realtime_ns();
  c.state.finished_ns = 0;
  // A user's start begins a new series (Docker resets RestartCount and the manual stop).
  c.state.restart_count = 0;
  c.state.oom_killed = false;
  c.state.manually_stopped = false;
  TRY(save_state_if(c, before));
  return {};
}

Result<int> Engine::wait(Container& c, bool next_exit) {
  // The monitor holds its lock across restarts: the next exit of a container it may
  // restart is watched for in the row instead (a newer end, or a restart counted).
  int64_t finished = c.state.finished_ns;
  int restarts = c.state.restart_count;
  bool poll = next_exit && !TRY(restart_policy(c)).none();
  while (c.state.running()) {
    if (poll && (c.state.restart_count != restarts ||
                 (c.state.restarting() && c.state.finished_ns != finished)))
      break;
    UniqueFd fd(poll ? -1
                     : ::open((run_dir(c) + "/" + mon::kLockFile).c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.valid())
      while (::flock(fd.get(), LOCK_SH) < 0 && errno == EINTR) {
      }
    auto again = TRY(get(c.id));
    c = std::move(again);
    if (c.state.running()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return c.state.exit_code;
}

// A paused container's processes get a signal only once thawed: after kill, stop or
// rm -f has sent one, the container is resumed (as Docker does).
Result<void> Engine::thaw(Container& c) {
  if (!c.state.paused()) return {};
  (void)run_runtime(c, {"resume", c.id});
  State before = c.state;
  c.state.status = "running";
  (void)TRY(save_state_if(c, before));
  return {};
}

Result<void> Engine::kill(Container& c, int sig) {
  if (!c.state.running())
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("cannot kill container: {}: container {} is not running", c.name,
                                   c.short_id()));
  // As moby's killWithSignal: SIGKILL, and any signal when the container has no
  // StopSignal of its own, end the restart policy; with one, only that signal does, and
  // another (a reload's SIGHUP, say) leaves the policy in place. The record holds
  // SIGTERM when neither the image nor the user chose one, so SIGTERM counts as none.
  int stop_sig = parse_signal(TRY(oci::get_string_or(c.config, "StopSignal", "SIGTERM")));
  bool ends_policy = sig == SIGKILL || stop_sig == SIGTERM || stop_sig == 0 || stop_sig == sig;
  if (ends_policy) TRY(request_stop(c));
  if (c.state.restarting()) return {};  // no process: its monitor just ends (as Docker)
  int rc = TRY(run_runtime(c, {"kill", c.id, std::to_string(sig)}));
  TRY(thaw(c));
  if (rc != 0) {
    auto again = TRY(get(c.id));  // it may have exited (or be waiting to restart) meanwhile
    if (again.state.running() && !again.state.restarting())
      return Error::make(Errc::kInternal,
                         fmt::format("cannot kill container {}: the runtime failed", c.name));
  }
  return {};
}

Result<void> Engine::stop(Container& c, std::optional<int> timeout) {
  if (!c.state.running()) return {};
  int sig = parse_signal(TRY(oci::get_string_or(c.config, "StopSignal", "SIGTERM")));
  if (sig == 0) sig = SIGTERM;
  int seconds = 10;
  if (auto it = c.config.find("StopTimeout"); it != c.config.end())
    seconds = TRY(oci::int_of_type<int>(*it, "StopTimeout"));
  if (timeout) seconds = *timeout;
  TRY(request_stop(c));
  (void)run_runtime(c, {"kill", c.id, std::to_string(sig)});
  TRY(thaw(c));
  std::string lock = run_dir(c) + "/" + mon::kLockFile;
  int64_t deadline = realtime_ns() + static_cast<int64_t>(seconds) * 1000000000;
  while (held_lock(lock).valid() && realtime_ns() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (held_lock(lock).valid()) (void)run_runtime(c, {"kill", c.id, "KILL"});
  TRY(wait(c));
  return {};
}

Result<void> Engine::remove(Container& c, bool force, bool volumes) {
  auto lock = TRY(lock_and_get(c));
  return remove_now(c, force, volumes);
}

Result<void> Engine::remove_locked(Container& c, bool force, bool volumes) {
  auto current = TRY(get(c.id));
  c = std::move(current);
  return remove_now(c, force, volumes);
}

Result<void> Engine::remove_now(Container& c, bool force, bool volumes) {
  if (c.state.running()) {
    if (!force)
      return Error::make(Errc::kExists,
                         fmt::format("cannot remove container \"/{}\": container is {}: stop "
                                     "the container before removing or force remove",
                                     c.name, c.state.restarting() ? "restarting" : "running"));
    TRY(request_stop(c));
    (void)run_runtime(c, {"kill", c.id, "KILL"});
    TRY(thaw(c));
    TRY(wait(c));
  }
  // Dead first, then the files, then the row: a removal killed at any point leaves a
  // row the next rm finishes, never files no row names.
  if (c.state.status != "dead") {
    State before = c.state;
    c.state.status = "dead";
    if (!TRY(save_state_if(c, before)))
      return Error::make(Errc::kExists,
                         fmt::format("container {} changed while being removed", c.name));
  }
  TRY(repair(c));
  TRY(sys::remove_all(dir(c)));
  auto tx = TRY(store_.db().begin());
  TRY(store_.db().exec("DELETE FROM containers WHERE id = ?", c.id));
  TRY(store_.remove_refs("container", c.id));
  auto gone_volumes = TRY(Volumes(store_).release_in_tx(c.id, volumes));
  TRY(tx.commit());
  Volumes(store_).remove_dirs(gone_volumes);
  ::unlink((paths_.run_root + "/locks/" + c.id).c_str());
  return {};
}

Result<void> Engine::cleanup(std::string_view id) {
  Container c = TRY(get(id));
  if (c.state.running()) return {};  // restarted meanwhile
  if (TRY(oci::get_bool_or(c.host_config, "AutoRemove", false))) return remove(c, false, true);
  return {};
}

}  // namespace strata::container
