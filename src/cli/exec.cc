// SPDX-License-Identifier: Apache-2.0
// `exec`: a command in a running container (the engine's Engine::exec, through the OCI
// runtime). The process never gets this CLI's own descriptors (a container process
// holding the host's terminal could inject input with TIOCSTI; one holding a file could
// reopen it through /proc/self/fd): without -t it gets pipes, relayed here to and from
// our stdio, with signals passed to the runtime (which forwards them); with -t the
// runtime sends a new pty's master to a console socket and it is relayed to this
// terminal (raw), with window sizes and the detach keys; -d gets /dev/null. The exit
// code is the command's; 126/127 when it cannot run / is not found, 125 when Strata
// fails.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>

#include "cli/container_io.h"
#include "cli/create_flags.h"
#include "cli/terminal.h"
#include "sys/fs.h"
#include "sys/io.h"
#include "sys/spawn.h"
#include "util/strings.h"

namespace strata::cli {

namespace {

struct ExecFlags {
  container::ExecOptions o;
  bool interactive = false;
  std::vector<std::string> env_files;
  std::string detach_keys = kDefaultDetachKeys;
  std::string ref;
  std::vector<std::string> args;
};

// The signals a shell sends to a job, passed to the runtime (our child, so its pid
// cannot be reused before we reap it), which forwards them to the process.
constexpr std::initializer_list<int> kForwarded = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT,
                                                   SIGUSR1, SIGUSR2, SIGWINCH};

// Keeps the last bytes of what passes, for the runtime's error message.
void keep_tail(std::string& tail, std::string_view data) {
  tail.append(data);
  if (tail.size() > 4096) tail.erase(0, tail.size() - 4096);
}

// The process's stdio as pipes: the ends it gets (runtime_fds) and the ends we relay.
struct ExecPipes {
  UniqueFd in_write, out_read, err_read;   // ours
  UniqueFd in_read, out_write, err_write;  // the runtime's, closed once it runs
  std::array<int, 3> runtime_fds() const {
    return {in_read.valid() ? in_read.get() : -1, out_write.get(), err_write.get()};
  }
};

Result<void> make_pipe(UniqueFd* read_end, UniqueFd* write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) return Error::from_errno(errno, "exec: pipe");
  read_end->reset(fds[0]);
  write_end->reset(fds[1]);
  return {};
}

Result<ExecPipes> make_pipes(bool with_stdin) {
  ExecPipes p;
  if (with_stdin) {
    TRY(make_pipe(&p.in_read, &p.in_write));
    // Non-blocking: a process that does not read its input must not stop its output.
    if (::fcntl(p.in_write.get(), F_SETFL, O_NONBLOCK) < 0)
      return Error::from_errno(errno, "exec: stdin pipe");
  }
  TRY(make_pipe(&p.out_read, &p.out_write));
  TRY(make_pipe(&p.err_read, &p.err_write));
  return p;
}

// Relays the process's pipes until both reach EOF, or, once the runtime has exited,
// until nothing more is waiting (a process it left in the background may hold them).
// Our stdin goes to the process's (closed at our EOF); stderr's tail is kept for the
// runtime's own error.
class PipeRelay {
 public:
  PipeRelay(ExecPipes& pipes, container::ExecProcess& p) : pipes_(pipes), p_(p) {}

  std::string run() {
    SignalFd sigfd(kForwarded);
    ::signal(SIGPIPE, SIG_IGN);
    bool stdin_open = pipes_.in_write.valid();
    while (pipes_.out_read.valid() || pipes_.err_read.valid()) {
      bool in_ready = stdin_open && pending_.empty(), in_blocked = !pending_.empty();
      pollfd fds[5] = {{pipes_.out_read.get(), POLLIN, 0},
                       {pipes_.err_read.get(), POLLIN, 0},
                       {sigfd.fd(), POLLIN, 0},
                       {in_ready ? 0 : -1, POLLIN, 0},
                       {in_blocked ? pipes_.in_write.get() : -1, POLLOUT, 0}};
      int ready = ::poll(fds, 5, p_.status ? 0 : 100);
      if (ready < 0 && errno != EINTR) break;
      if (ready <= 0) {
        if (p_.status) break;
        reap_runtime();
        continue;
      }
      if (fds[2].revents) forward_signals(sigfd);
      if (fds[0].revents) copy_out(pipes_.out_read, 1, false);
      if (fds[1].revents) copy_out(pipes_.err_read, 2, true);
      if (fds[3].revents) stdin_open = read_stdin();
      if (fds[4].revents || (stdin_open && !pending_.empty())) flush_stdin();
      if (!stdin_open && pending_.empty()) pipes_.in_write.reset();  // EOF for the process
    }
    return tail_;
  }

 private:
  // A terminal's signal reached the runtime too (it shares our process group): only
  // those sent to us by kill() are passed on, while the runtime is still our child.
  void forward_signals(SignalFd& sigfd) {
    bool by_kernel = false;
    while (int sig = sigfd.next(&by_kernel))
      if (!by_kernel && !p_.status) (void)::kill(p_.pid, sig);
  }
  void reap_runtime() {
    int st;
    if (::waitpid(p_.pid, &st, WNOHANG) == p_.pid)
      p_.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }
  void copy_out(UniqueFd& from, int to, bool keep) {
    ssize_t n = ::read(from.get(), buf_, sizeof buf_);
    if (n < 0 && errno == EINTR) return;
    if (n <= 0) {
      from.reset();
      return;
    }
    (void)sys::write_all(to, {buf_, static_cast<size_t>(n)});
    if (keep) keep_tail(tail_, {buf_, static_cast<size_t>(n)});
  }
  // False at EOF (or an error) of our stdin.
  bool read_stdin() {
    ssize_t n = ::read(0, buf_, sizeof buf_);
    if (n < 0 && errno == EINTR) return true;
    if (n <= 0) return false;
    pending_.append(buf_, static_cast<size_t>(n));
    return true;
  }
  void flush_stdin() {
    while (!pending_.empty() && pipes_.in_write.valid()) {
      ssize_t n = ::write(pipes_.in_write.get(), pending_.data(), pending_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return;
      if (n < 0) {  // the process closed its stdin: drop what it will never read
        pending_.clear();
        pipes_.in_write.reset();
        return;
      }
      pending_.erase(0, static_cast<size_t>(n));
    }
  }

  ExecPipes& pipes_;
  container::ExecProcess& p_;
  std::string pending_, tail_;
  char buf_[65536];
};

void set_size(int master) {
  auto size = window_size();
  if (!size) return;
  auto f = split(*size, ' ');
  struct winsize ws = {};
  std::from_chars(f[0].data(), f[0].data() + f[0].size(), ws.ws_row);
  std::from_chars(f[1].data(), f[1].data() + f[1].size(), ws.ws_col);
  (void)::ioctl(master, TIOCSWINSZ, &ws);
}

// The pty master to this terminal and back until the process closes it; SIGWINCH
// passes the window size on. Signals that would end this process end the relay. True
// when the user typed the detach keys.
bool relay_pty(int master, bool interactive, const std::string& detach_keys) {
  std::optional<SignalFd> sigfd;
  sigfd.emplace(std::initializer_list<int>{SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT});
  std::optional<RawTerminal> raw;
  if (interactive) raw.emplace(0);
  DetachWatch watch(interactive ? detach_keys : "");
  bool in_open = interactive, done = false, detached = false;
  char buf[65536];
  while (!done && !detached) {
    pollfd fds[3] = {{master, POLLIN, 0}, {sigfd->fd(), POLLIN, 0}, {in_open ? 0 : -1, POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents) {
      while (int sig = sigfd->next()) {
        if (sig == SIGWINCH)
          set_size(master);
        else
          done = true;
      }
    }
    if (fds[2].revents) {
      ssize_t n = ::read(0, buf, sizeof buf);
      if (n > 0)
        (void)sys::write_all(master, watch.feed({buf, static_cast<size_t>(n)}, &detached));
      else if (n == 0 || errno != EINTR)
        in_open = false;
    }
    if (fds[0].revents) {
      ssize_t n = ::read(master, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // EIO: every holder of the pty's other side is gone
      (void)sys::write_all(1, {buf, static_cast<size_t>(n)});
    }
  }
  raw.reset();  // before the signals are unblocked
  return detached;
}

// After a detach the process runs on, but its pty would hang up when our master
// closes. A host `cat` is left holding the master (reading, and so dropping, what the
// process writes: nothing can attach to an exec again, as in Docker); it ends when the
// process's side of the pty closes.
Result<void> hold_pty(int master) {
  TRY(sys::spawn({"/bin/cat"}, {master, sys::SpawnFds::kNull, sys::SpawnFds::kNull, -1}));
  return {};
}

// The pty case: the master relayed until the process ends, or the user detaches
// (true: the process runs on, and is not waited for).
Result<bool> exec_tty(container::Engine& engine, container::ExecProcess& p, const ExecFlags& f) {
  auto master = engine.exec_console(p);
  if (!master.ok()) return false;  // the runtime failed: exec_wait says why
  if (!relay_pty(master->get(), f.interactive, TRY(parse_detach_keys(f.detach_keys)))) return false;
  TRY(hold_pty(master->get()));
  p.adopt = false;
  (void)engine.exec_wait(p);  // only the runtime (exited) and the exec's files
  return true;
}

Result<int> exec_command(const Context& ctx, ExecFlags& f) {
  f.o.cmd = f.args;
  if (f.o.detach && f.o.tty)
    return Error::make(Errc::kUnsupported,
                       "exec -d with -t is not supported: nothing would hold the terminal");
  // Docker's order: the env files, then -e; a later key wins.
  std::vector<std::string> env = TRY(container::read_env_files(f.env_files));
  env.insert(env.end(), f.o.env.begin(), f.o.env.end());
  f.o.env = env;
  TRY(parse_detach_keys(f.detach_keys));
  auto e = TRY(ctx.open_engine());
  container::Container c = TRY(e.engine->get(f.ref));
  // After the container and the keys are checked, as Docker's exec create comes first.
  if (!f.o.detach)
    if (auto code = refuse_input_not_tty(f.o.tty, f.interactive)) return *code;
  if (f.o.tty) f.o.size = window_size();
  bool relayed = !f.o.tty && !f.o.detach;
  ExecPipes pipes;
  if (relayed) pipes = TRY(make_pipes(f.interactive));
  container::ExecProcess p = TRY(e.engine->exec(c, f.o, pipes.runtime_fds()));
  pipes.in_read.reset();
  pipes.out_write.reset();
  pipes.err_write.reset();
  std::string tail;
  if (f.o.tty) {
    if (TRY(exec_tty(*e.engine, p, f))) return 0;
  } else if (relayed) {
    tail = PipeRelay(pipes, p).run();
  }
  auto [code, started] = TRY(e.engine->exec_wait(p));
  if (started) return code;
  if (!p.error.empty()) {
    tail = p.error;
    (void)sys::write_all(2, tail + "\n");
  }
  std::string why(trim(tail));
  if (why.empty()) why = fmt::format("the runtime exited with {}", code);
  return start_failure_code(Error::make(Errc::kInternal, why));
}

}  // namespace

void register_exec_command(const AddBoth& both, Context& ctx) {
  auto f = std::make_shared<ExecFlags>();
  both("exec", {}, "Execute a command in a running container", [f, &ctx](CLI::App* c) {
    c->add_flag("-i,--interactive", f->interactive, "Keep STDIN open even if not attached");
    c->add_flag("-t,--tty", f->o.tty, "Allocate a pseudo-TTY");
    c->add_flag("-d,--detach", f->o.detach, "Detached mode: run command in the background");
    c->add_option("-e,--env", f->o.env, "Set environment variables")->allow_extra_args(false);
    c->add_option("--env-file", f->env_files, "Read in a file of environment variables")
        ->allow_extra_args(false);
    c->add_option("--detach-keys", f->detach_keys,
                  "Override the key sequence for detaching a container");
    c->add_option("-u,--user", f->o.user, "Username or UID (format: \"<name|uid>[:<group|gid>]\")");
    c->add_option("-w,--workdir", f->o.workdir, "Working directory inside the container");
    c->add_flag("--privileged", f->o.privileged, "Give extended privileges to the command");
    c->add_option("CONTAINER", f->ref)->required();
    c->add_option("COMMAND", f->args, "Command and arguments")->required();
    c->positionals_at_end();
    c->prefix_command();
    refuse_unknown_flags(c);
    c->callback([f, &ctx] { ctx.action = [f, &ctx] { return exec_command(ctx, *f); }; });
  });
}

}  // namespace strata::cli
