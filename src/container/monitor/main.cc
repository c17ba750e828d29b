// SPDX-License-Identifier: Apache-2.0
// strata-monitor: one per running container (the job conmon does for Podman). It is
// exec'd by the engine, detaches into its own session, becomes the subreaper of the
// container's init, mounts the container's overlay, drives the OCI runtime's create and
// start, holds the container's stdio, writes its json-file log, serves attach clients,
// records the exit code and OOM kill, applies the restart policy (the same container
// created and started again after Docker's back-off, keeping its log, mount and attach
// socket), unmounts, and finally execs the engine's exit command (`strata container
// cleanup ID`), which records the exit in the store and applies --rm. Single-threaded:
// one poll loop. See protocol.h and run_state.h for what it says to the engine.
//
// Usage: strata-monitor ID STORE_ROOT RUN_DIR BUNDLE LOG MAX_SIZE MAX_FILES RUNTIME
//          RUNTIME_ROOT MOUNT(0|1) STDIN(0|1) TTY(0|1) RESTART -- EXIT_COMMAND...
// RESTART is the policy as --restart spells it ("no", "on-failure:3", ...).
// with fd 3 the start-up socket. BUNDLE/lowers lists the layers (l/<link>), topmost
// first, one per line; BUNDLE holds upper/, work/, merged/ (store-root-relative).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "container/monitor/clients.h"
#include "container/monitor/health.h"
#include "container/monitor/json_log.h"
#include "container/monitor/protocol.h"
#include "container/monitor/run_state.h"
#include "container/monitor/stdin_sink.h"
#include "container/restart_policy.h"
#include "snapshot/snapshot.h"
#include "sys/fs.h"
#include "sys/io.h"
#include "sys/unix_socket.h"
#include "util/strings.h"

namespace strata::container::monitor {
namespace {

struct Args {
  std::string id, store_root, run_dir, bundle, log, runtime, runtime_root;
  uint64_t max_size = 0;
  int max_files = 1;
  bool mount = false, stdin_open = false, tty = false;
  // The engine that started the container attached: it removes an --rm container itself
  // after the exit, so the exit command waits for it to exit and runs only if the
  // container is still there (the engine was killed, or detached).
  pid_t attached_owner = 0;
  RestartPolicy restart;
  std::vector<std::string> exit_command;
};

constexpr int kSyncFd = 3;

// The health checker, once the container runs: children reaped while waiting for the
// runtime may be its probes.
HealthChecker* g_health = nullptr;

bool parse_args(int argc, char** argv, Args* a) {
  if (argc < 16 || std::strcmp(argv[15], "--") != 0) return false;
  a->id = argv[1];
  a->store_root = argv[2];
  a->run_dir = argv[3];
  a->bundle = argv[4];
  a->log = argv[5];
  a->max_size = std::strtoull(argv[6], nullptr, 10);
  a->max_files = std::atoi(argv[7]);
  a->runtime = argv[8];
  a->runtime_root = argv[9];
  a->mount = std::strcmp(argv[10], "1") == 0;
  a->stdin_open = std::strcmp(argv[11], "1") == 0;
  a->tty = std::strcmp(argv[12], "1") == 0;
  auto restart = parse_restart_policy(argv[13]);
  if (!restart.ok()) return false;
  a->restart = *restart;
  a->attached_owner = static_cast<pid_t>(std::atoi(argv[14]));
  for (int i = 16; i < argc; ++i) a->exit_command.emplace_back(argv[i]);
  return true;
}

// Blocks until the process of `pidfd` has exited; false if that cannot be told.
bool wait_for_exit(int pidfd) {
  pollfd p{pidfd, POLLIN, 0};
  for (;;) {
    int n = ::poll(&p, 1, -1);
    if (n > 0) return (p.revents & POLLIN) != 0;
    if (n < 0 && errno != EINTR) return false;
  }
}

// Whether fd 3 is still the start-up socket: once the container started it is closed,
// and the number may be reused by a file the monitor opens (a restart's pipes).
bool sync_open = true;

void report(std::string_view line) {
  if (!sync_open) return;
  if (sys::write_all(kSyncFd, std::string(line) + "\n") < 0) {
    // The engine went away: nothing to tell.
  }
}

// What a child must not inherit from the monitor: blocked signals and ignored SIGPIPE
// survive execve, and would reach the container's processes.
void reset_signals() {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGPIPE, SIG_DFL);
}

// Runs the runtime with `args`, stdio as given (-1: /dev/null), and waits for it.
// Returns its exit status (-1 if it could not run). Other children reaped meanwhile
// are the container's: if one is `init`, *init_status gets its status.
int run_runtime(const Args& a, std::vector<std::string> args, int in, int out, int err, pid_t init,
                int* init_status) {
  std::vector<std::string> argv = {a.runtime, "--root", a.runtime_root};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    reset_signals();
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(in >= 0 ? in : null, 0);
    ::dup2(out >= 0 ? out : null, 1);
    ::dup2(err >= 0 ? err : null, 2);
    ::close_range(3, ~0U, 0);
    std::vector<char*> cargv;
    for (auto& s : argv) cargv.push_back(s.data());
    cargv.push_back(nullptr);
    ::execv(cargv[0], cargv.data());
    _exit(127);
  }
  for (;;) {
    int st;
    pid_t r = ::waitpid(-1, &st, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (r == init && init_status)
      *init_status = st;
    else if (g_health)
      g_health->reaped(r, st);
  }
}

std::string drain_text(int fd) {
  std::string out;
  char buf[4096];
  int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0 || out.size() > 16384) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::fcntl(fd, F_SETFL, flags);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  size_t nl = out.rfind('\n');  // the runtime's last line says what failed
  return nl == std::string::npos ? out : out.substr(nl + 1);
}

class Monitor {
 public:
  explicit Monitor(Args a) : a_(std::move(a)), log_(a_.log, a_.max_size, a_.max_files) {}
  int run();
  // Lets the engine on: closing the only descriptor of monitor.lock frees it.
  void release_lock() { lock_.reset(); }

 private:
  bool prepare();
  bool create();
  bool listen_attach();
  bool receive_console(int listener);
  bool start();
  bool start_process();
  void serve();
  void end_run();
  bool restart_wanted();
  bool back_off();
  bool restart();
  void finish();
  bool stop_requested() const;
  void find_oom_file();
  bool oom_killed() const;
  void write_status(bool restarting);
  void fail(std::string_view what);
  void accept_client();
  void forward(int stream, int fd);
  void on_client_frame(FrameType t, std::string_view data);
  void close_stdin();
  void flush_stdin();
  void reap();

  Args a_;
  JsonLog log_;
  UniqueFd lock_, sigfd_, listen_;
  UniqueFd console_;  // the pty master, with a tty
  // With a tty, out_[0] reads the pty master (a copy of console_) and err_ is only the
  // runtime's own stderr during create.
  int out_[2] = {-1, -1}, err_[2] = {-1, -1}, in_[2] = {-1, -1};
  pid_t init_ = 0;
  int init_status_ = -1;
  bool init_done_ = false, mounted_ = false;
  Clients clients_;
  // What the clients sent for the container's stdin and it has not read yet; while it is
  // full, the clients' frames wait in their sockets. EOF waits for the queue to drain.
  StdinSink stdin_;
  bool stdin_eof_ = false;
  snapshot::Layout layout_;
  // The runs so far: the last one's end, and the restart policy's state.
  RestartBackoff backoff_;
  int restart_count_ = 0, exit_code_ = -1;
  bool oom_killed_ = false, cancelled_ = false;  // cancelled_: told to end (SIGTERM)
  int64_t started_ns_ = 0, finished_ns_ = 0;
  std::string oom_file_;  // the memory cgroup's OOM counter, found at create
  HealthChecker health_;
};

void Monitor::fail(std::string_view what) {
  report(fmt::format("error {}", printable(what)));
  if (init_ > 0) {
    (void)run_runtime(a_, {"delete", "--force", a_.id}, -1, -1, -1, init_, nullptr);
  }
  if (mounted_) (void)snapshot::unmount(layout_.merged());
  mounted_ = false;
}

bool Monitor::prepare() {
  std::string lock_path = a_.run_dir + "/" + kLockFile;
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) < 0) {
    fail(fmt::format("lock `{}`: {}", lock_path, std::strerror(errno)));
    return false;
  }
  lock_.reset(fd);
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, s);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  sigfd_.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (::chdir(a_.store_root.c_str()) < 0) {
    fail(fmt::format("chdir `{}`: {}", a_.store_root, std::strerror(errno)));
    return false;
  }
  if (auto r = log_.open(); !r.ok()) {
    fail(r.error().message());
    return false;
  }
  if (a_.mount) {
    layout_.dir = a_.bundle;
    auto lowers = sys::read_file(a_.bundle + "/lowers", 1 << 20);
    if (!lowers.ok()) {
      fail(lowers.error().message());
      return false;
    }
    for (auto& l : split(*lowers, '\n'))
      if (!l.empty()) layout_.lowers.push_back(l);
    if (auto r = snapshot::mount(layout_); !r.ok()) {
      fail(r.error().message());
      return false;
    }
    mounted_ = true;
  }
  return true;
}

bool Monitor::create() {
  if (::pipe2(out_, O_CLOEXEC) < 0 || ::pipe2(err_, O_CLOEXEC) < 0 ||
      (a_.stdin_open && !a_.tty && ::pipe2(in_, O_CLOEXEC) < 0)) {
    fail(fmt::format("pipe: {}", std::strerror(errno)));
    return false;
  }
  std::string pid_file = a_.run_dir + "/" + kPidFile;
  std::string bundle = a_.store_root + "/" + a_.bundle;
  std::vector<std::string> args = {"create", "--bundle", bundle, "--pid-file", pid_file};
  UniqueFd console_listener, console_dir;
  if (a_.tty) {
    // The runtime connects and sends the master during create; the connection waits
    // in the backlog until it is accepted below.
    std::string path = a_.run_dir + "/" + kConsoleSocket;
    auto l = sys::listen_unix(path, "console socket");
    if (!l.ok()) {
      fail(l.error().message());
      return false;
    }
    console_listener = std::move(*l);
    auto name = sys::socket_path(path, "console socket", &console_dir);
    if (!name.ok()) {
      fail(name.error().message());
      return false;
    }
    args.insert(args.end(), {"--console-socket", *name});
  }
  args.push_back(a_.id);
  int rc = run_runtime(a_, args, in_[0], out_[1], err_[1], 0, nullptr);
  ::close(out_[1]);
  ::close(err_[1]);
  if (in_[0] >= 0) ::close(in_[0]);
  out_[1] = err_[1] = in_[0] = -1;
  stdin_.reset(in_[1]);
  stdin_eof_ = false;
  if (rc != 0) {
    std::string why = drain_text(err_[0]);
    fail(why.empty() ? fmt::format("{} create: exit status {}", a_.runtime, rc) : why);
    return false;
  }
  auto pid = sys::read_file(pid_file, 64);
  init_ = pid.ok() ? std::atoi(pid->c_str()) : 0;
  if (init_ <= 0) {
    fail(fmt::format("{} create wrote no pid to `{}`", a_.runtime, pid_file));
    return false;
  }
  if (a_.tty && !receive_console(console_listener.get())) return false;
  find_oom_file();
  if (!listen_.valid() && !listen_attach()) return false;  // a restart keeps the socket
  report(fmt::format("created {} {}", init_, ::getpid()));
  return true;
}

// The pty master the runtime sent: it replaces the output pipes (one stream, logged as
// stdout) and, when stdin is open, the stdin pipe.
bool Monitor::receive_console(int listener) {
  UniqueFd conn(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
  char buf[256];
  if (conn.valid()) {
    ssize_t n;
    do {
      n = sys::recv_with_fd(conn.get(), buf, sizeof buf, &console_);
    } while (n < 0 && errno == EINTR);
  }
  ::unlink((a_.run_dir + "/" + kConsoleSocket).c_str());
  if (!console_.valid()) {
    fail(fmt::format("{} create sent no pty master over the console socket", a_.runtime));
    return false;
  }
  ::close(out_[0]);
  ::close(err_[0]);
  err_[0] = -1;
  out_[0] = ::fcntl(console_.get(), F_DUPFD_CLOEXEC, 0);
  if (a_.stdin_open) stdin_.reset(console_.get());  // non-blocking: forward() takes EAGAIN
  return true;
}

bool Monitor::listen_attach() {
  auto l = sys::listen_unix(a_.run_dir + "/" + kAttachSocket, "attach socket");
  if (!l.ok()) {
    fail(l.error().message());
    return false;
  }
  listen_ = std::move(*l);
  return true;
}

bool Monitor::start() {
  std::string go = read_line(kSyncFd);
  if (go != "start") {
    fail("the engine went away before start");
    return false;
  }
  // Clients that connected before start are taken now, so they miss nothing, and what
  // they sent (the first window size) is applied before the process runs.
  accept_client();
  clients_.read_pending([this](FrameType t, std::string_view d) { on_client_frame(t, d); });
  if (health_.load(a_.store_root, a_.bundle, a_.run_dir, {a_.runtime, "--root", a_.runtime_root},
                   a_.id))
    g_health = &health_;
  if (!start_process()) return false;
  report("started");
  ::close(kSyncFd);
  sync_open = false;
  return true;
}

bool Monitor::start_process() {
  int errp[2];
  if (::pipe2(errp, O_CLOEXEC) < 0) {
    fail(fmt::format("pipe: {}", std::strerror(errno)));
    return false;
  }
  int rc = run_runtime(a_, {"start", a_.id}, -1, -1, errp[1], init_, &init_status_);
  ::close(errp[1]);
  std::string why = drain_text(errp[0]);
  ::close(errp[0]);
  if (rc != 0) {
    fail(why.empty() ? fmt::format("{} start: exit status {}", a_.runtime, rc) : why);
    return false;
  }
  if (init_status_ != -1) init_done_ = true;
  started_ns_ = realtime_ns();
  if (g_health) health_.start();  // each run starts its probes afresh
  return true;
}

void Monitor::accept_client() {
  for (;;) {
    int c = ::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) return;
    clients_.add(c);
  }
}

void Monitor::close_stdin() {
  if (stdin_.fd() == in_[1]) stdin_.reset(-1);
  if (in_[1] >= 0) ::close(in_[1]);
  in_[1] = -1;
}

// After poll said the container's stdin takes more: a broken pipe (the container closed
// its stdin) closes ours; a pty's failure only drops what was queued.
void Monitor::flush_stdin() {
  if (!stdin_.flush() && !a_.tty) close_stdin();
  if (stdin_eof_ && stdin_.queued() == 0) close_stdin();
}

void Monitor::on_client_frame(FrameType t, std::string_view data) {
  switch (t) {
    case kStdin:
      if (!stdin_.write(data) && !a_.tty) close_stdin();
      break;
    case kStdinClose:
      // A pty has no EOF: nothing to do with a tty. A pipe closes once what was sent
      // before the EOF is read.
      stdin_eof_ = true;
      if (stdin_.queued() == 0) close_stdin();
      break;
    case kResize: {
      auto f = split(data, ' ');
      struct winsize ws = {};
      if (a_.tty && f.size() == 2) {
        ws.ws_row = static_cast<unsigned short>(std::strtoul(f[0].c_str(), nullptr, 10));
        ws.ws_col = static_cast<unsigned short>(std::strtoul(f[1].c_str(), nullptr, 10));
        (void)::ioctl(console_.get(), TIOCSWINSZ, &ws);
      }
      break;
    }
    default:
      break;
  }
}

void Monitor::forward(int stream, int fd) {
  char buf[65536];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  int& end = stream == 0 ? out_[0] : err_[0];
  if (n <= 0) {
    ::close(end);
    end = -1;
    return;
  }
  std::string_view data(buf, static_cast<size_t>(n));
  (void)log_.write(stream, data, realtime_ns());  // a full disk loses log lines, not the container
  clients_.broadcast(frame(stream == 0 ? kStdout : kStderr, data));
}

void Monitor::reap() {
  struct signalfd_siginfo si;
  while (::read(sigfd_.get(), &si, sizeof si) == sizeof si) {
    if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT || si.ssi_signo == SIGHUP) {
      cancelled_ = true;  // as at a host's shutdown: no restart
      if (!init_done_)
        (void)run_runtime(a_, {"kill", a_.id, "KILL"}, -1, -1, -1, init_, &init_status_);
    }
  }
  for (;;) {
    int st;
    pid_t r = ::waitpid(-1, &st, WNOHANG);
    if (r <= 0) break;
    if (r == init_)
      init_status_ = st;
    else
      health_.reaped(r, st);
  }
  if (init_status_ != -1) init_done_ = true;
}

void Monitor::serve() {
  int64_t deadline = 0;  // after init exits, a little while for the pipes to drain
  for (;;) {
    if (init_done_ && out_[0] < 0 && err_[0] < 0) break;
    if (init_done_ && deadline == 0) deadline = realtime_ns() + 2'000'000'000LL;
    if (deadline != 0 && realtime_ns() > deadline) break;
    std::vector<pollfd> fds = {{sigfd_.get(), POLLIN, 0},
                               {listen_.get(), POLLIN, 0},
                               {out_[0], POLLIN, 0},
                               {err_[0], POLLIN, 0},
                               {stdin_.events() ? stdin_.fd() : -1, stdin_.events(), 0}};
    clients_.want(fds, stdin_.has_room());
    health_.want(fds);
    int timeout = deadline != 0 ? 100 : -1;
    int probe = init_done_ ? -1 : health_.timeout_ms();  // no new probe once init is gone
    if (probe >= 0 && (timeout < 0 || probe < timeout)) timeout = probe;
    if (::poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) break;
    if (fds[0].revents) reap();
    if (fds[1].revents) accept_client();
    if (fds[2].revents) forward(0, out_[0]);
    if (fds[3].revents) forward(1, err_[0]);
    if (fds[4].revents) flush_stdin();
    clients_.handle(fds, [this](FrameType t, std::string_view d) { on_client_frame(t, d); });
    if (!init_done_) health_.handle(fds);
  }
  (void)log_.flush(realtime_ns());
}

// The run that just ended: its exit code, when, and whether the kernel's OOM killer
// struck in its cgroup (read before the runtime deletes the cgroup). Attach clients get
// the end of this run and are closed, as Docker ends attach streams at each exit.
void Monitor::end_run() {
  health_.stop();
  exit_code_ = -1;
  if (init_status_ != -1)
    exit_code_ = WIFEXITED(init_status_) ? WEXITSTATUS(init_status_) : 128 + WTERMSIG(init_status_);
  finished_ns_ = realtime_ns();
  oom_killed_ = oom_killed();
  clients_.broadcast(frame(kExit, std::to_string(exit_code_)));
  clients_.flush_and_close(2000);
  stdin_.reset(-1);
  console_.reset();
  close_stdin();
  for (int* fd : {&out_[0], &err_[0]}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

bool Monitor::stop_requested() const {
  auto text = sys::read_file(a_.run_dir + "/" + kStopFile, 64);
  return text.ok() && is_stop(*text);
}

// The policy's decision; a restart to come is recorded at once (status "restarting").
bool Monitor::restart_wanted() {
  if (a_.restart.none()) return false;
  bool stopped = stop_requested();
  RunEnd end{exit_code_, restart_count_, cancelled_ || stopped, stopped};
  if (!should_restart(a_.restart, end)) return false;
  ++restart_count_;
  write_status(true);
  return true;
}

// Waits out the back-off, serving attach clients. False if told to end meanwhile: a
// signal, or the engine's stop file (it connects to the attach socket to wake us).
bool Monitor::back_off() {
  struct timespec now;
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  int64_t delay_ms = backoff_.next_delay_ms((finished_ns_ - started_ns_) / 1000000);
  int64_t deadline_ms = now.tv_sec * 1000 + now.tv_nsec / 1000000 + delay_ms;
  for (;;) {
    if (cancelled_ || stop_requested()) return false;
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t left = deadline_ms - (now.tv_sec * 1000 + now.tv_nsec / 1000000);
    if (left <= 0) return true;
    std::vector<pollfd> fds = {{sigfd_.get(), POLLIN, 0}, {listen_.get(), POLLIN, 0}};
    clients_.want(fds);
    if (::poll(fds.data(), fds.size(), static_cast<int>(left)) < 0 && errno != EINTR) return false;
    if (fds[0].revents) reap();
    if (fds[1].revents) accept_client();
    clients_.handle(fds, [this](FrameType t, std::string_view d) { on_client_frame(t, d); });
  }
}

// The same container again: created and started anew in its mounted rw layer. A stop
// that came while the runtime started it is honoured now.
bool Monitor::restart() {
  init_ = 0;
  init_status_ = -1;
  init_done_ = false;
  if (!create() || !start_process()) return false;
  if (stop_requested()) {
    (void)run_runtime(a_, {"kill", a_.id, "KILL"}, -1, -1, -1, init_, &init_status_);
    if (init_status_ != -1) init_done_ = true;
  }
  write_status(false);
  return true;
}

void Monitor::write_status(bool restarting) {
  RunStatus s{
      restarting,  restarting ? 0 : init_, restart_count_, exit_code_, oom_killed_, started_ns_,
      finished_ns_};
  (void)sys::write_file_atomic(a_.run_dir + "/" + kStatusFile, format_status(s));  // see sync
}

void Monitor::find_oom_file() {
  auto text = sys::read_file(fmt::format("/proc/{}/cgroup", init_), 1 << 16);
  bool unified = sys::exists("/sys/fs/cgroup/cgroup.controllers");
  oom_file_ = text.ok() ? oom_events_file(*text, unified) : "";
}

bool Monitor::oom_killed() const {
  if (oom_file_.empty()) return false;
  auto text = sys::read_file(oom_file_, 4096);
  return text.ok() && parse_oom_kill(*text).value_or(0) > 0;
}

void Monitor::finish() {
  ExitRecord e{exit_code_, finished_ns_, oom_killed_, restart_count_};
  (void)sys::write_file_atomic(a_.run_dir + "/" + kExitFile, format_exit(e));
  (void)run_runtime(a_, {"delete", "--force", a_.id}, -1, -1, -1, 0, nullptr);
  if (mounted_) (void)snapshot::unmount(layout_.merged());
}

int Monitor::run() {
  if (!prepare() || !create() || !start()) return 1;
  for (;;) {
    serve();
    end_run();
    if (!restart_wanted()) break;
    (void)run_runtime(a_, {"delete", "--force", a_.id}, -1, -1, -1, 0, nullptr);
    if (!back_off() || !restart()) break;
  }
  finish();
  return 0;
}

}  // namespace
}  // namespace strata::container::monitor

int main(int argc, char** argv) {
  using namespace strata::container::monitor;
  Args a;
  if (!parse_args(argc, argv, &a)) {
    std::fprintf(stderr, "strata-monitor: bad arguments (it is started by strata)\n");
    return 2;
  }
  // Detach: the engine reaps this first process at once; the monitor lives on in a
  // session of its own, the subreaper of the container's init.
  // The engine (our parent, waiting for this first process) by pidfd; if it is not our
  // parent any more it died already (getppid is a reaper now), and nothing is awaited.
  strata::UniqueFd owner;
  if (a.attached_owner > 0 && !a.exit_command.empty()) {
    owner.reset(static_cast<int>(::syscall(SYS_pidfd_open, a.attached_owner, 0)));
    if (::getppid() != a.attached_owner) owner.reset();
  }
  pid_t child = ::fork();
  if (child < 0) return 1;
  if (child > 0) _exit(0);
  ::setsid();
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  int null = ::open("/dev/null", O_RDWR);
  ::dup2(null, 0);
  ::dup2(null, 1);
  ::dup2(null, 2);
  if (null > 3) ::close(null);
  Monitor m(a);
  int rc = m.run();
  if (rc == 0 && owner.valid() && !a.exit_command.empty()) {
    m.release_lock();
    if (wait_for_exit(owner.get()) && !strata::sys::exists(a.store_root + "/" + a.bundle))
      return rc;
  }
  if (rc == 0 && !a.exit_command.empty()) {
    std::vector<char*> cargv;
    for (auto& s : a.exit_command) cargv.push_back(s.data());
    cargv.push_back(nullptr);
    reset_signals();
    ::execv(cargv[0], cargv.data());
  }
  return rc;
}
