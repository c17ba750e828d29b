// SPDX-License-Identifier: Apache-2.0
// `exec`: a command in a running container (the engine's Engine::exec, through the OCI
// runtime). Without -t the runtime, and so the process, gets this process's stdin (with
// -i) and stdout directly, and a pipe for stderr that is relayed here (the runtime's own
// error, when the command cannot start, arrives the same way). With -t the runtime
// sends the pty master to a console socket; it is relayed to this terminal (raw), with
// window sizes. The exit code is the command's; 126/127 when it cannot run / is not
// found, 125 when Strata fails.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>

#include "cli/container_io.h"
#include "cli/create_flags.h"
#include "cli/terminal.h"
#include "sys/fs.h"
#include "sys/io.h"
#include "util/strings.h"

namespace strata::cli {

namespace {

struct ExecFlags {
  container::ExecOptions o;
  bool interactive = false;
  std::string ref;
  std::vector<std::string> args;
};

// Keeps the last bytes of what passes, for the runtime's error message.
void keep_tail(std::string& tail, std::string_view data) {
  tail.append(data);
  if (tail.size() > 4096) tail.erase(0, tail.size() - 4096);
}

// Copies what `fd` has to our stderr (keeping its tail) until EOF, or, once the runtime
// has exited, until nothing more is waiting (a process it left may hold the pipe).
void relay_stderr(int fd, container::ExecProcess& p, std::string& tail) {
  char buf[16384];
  for (;;) {
    pollfd pf = {fd, POLLIN, 0};
    int ready = ::poll(&pf, 1, p.status ? 0 : 100);
    if (ready > 0) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      (void)sys::write_all(2, {buf, static_cast<size_t>(n)});
      keep_tail(tail, {buf, static_cast<size_t>(n)});
      continue;
    }
    if (p.status) return;
    int st;
    if (::waitpid(p.pid, &st, WNOHANG) == p.pid)
      p.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }
}

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
// passes the window size on. Signals that would end this process end the relay.
void relay_pty(int master, bool interactive) {
  std::optional<SignalFd> sigfd;
  sigfd.emplace(std::initializer_list<int>{SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT});
  std::optional<RawTerminal> raw;
  if (interactive) raw.emplace(0);
  bool in_open = interactive, done = false;
  char buf[65536];
  while (!done) {
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
        (void)sys::write_all(master, {buf, static_cast<size_t>(n)});
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
}

Result<int> exec_command(const Context& ctx, ExecFlags& f) {
  f.o.cmd = f.args;
  if (f.o.detach && f.o.tty)
    return Error::make(Errc::kUnsupported,
                       "exec -d with -t is not supported: nothing would hold the terminal");
  TRY(check_input_tty(f.o.tty, f.interactive));
  auto env = TRY(ctx.open_engine());
  container::Container c = TRY(env.engine->get(f.ref));
  if (f.o.tty) f.o.size = window_size();
  // The runtime's stderr: a pipe relayed here, or with -t / -d (where the process does
  // not share it, or outlives us) a memory file read afterwards.
  int pipe_fds[2] = {-1, -1};
  UniqueFd err_read, err_write;
  if (f.o.tty || f.o.detach) {
    err_write.reset(::memfd_create("exec-stderr", MFD_CLOEXEC));
    if (!err_write.valid()) return Error::from_errno(errno, "memfd_create");
    err_read.reset(::fcntl(err_write.get(), F_DUPFD_CLOEXEC, 0));
  } else {
    if (::pipe2(pipe_fds, O_CLOEXEC) < 0) return Error::from_errno(errno, "pipe");
    err_read.reset(pipe_fds[0]);
    err_write.reset(pipe_fds[1]);
  }
  std::array<int, 3> stdio = {f.interactive && !f.o.tty ? 0 : -1, f.o.tty || f.o.detach ? -1 : 1,
                              err_write.get()};
  container::ExecProcess p = TRY(env.engine->exec(c, f.o, stdio));
  err_write.reset();
  std::string tail;
  if (f.o.tty) {
    auto master = env.engine->exec_console(p);
    if (master.ok()) relay_pty(master->get(), f.interactive);
  } else if (!f.o.detach) {
    relay_stderr(err_read.get(), p, tail);
  }
  auto [code, started] = TRY(env.engine->exec_wait(p));
  if (started) return code;
  if (tail.empty()) {  // from the file: what the runtime said
    ::lseek(err_read.get(), 0, SEEK_SET);
    char buf[4096];
    ssize_t n;
    while ((n = ::read(err_read.get(), buf, sizeof buf)) > 0)
      keep_tail(tail, {buf, static_cast<size_t>(n)});
    if (!tail.empty()) (void)sys::write_all(2, tail);
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
