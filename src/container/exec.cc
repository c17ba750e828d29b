// SPDX-License-Identifier: Apache-2.0
// `exec`: a new process in a running container, through the OCI runtime's
// `exec --process FILE` (strata-runtime, runc and crun take the same flags). The process
// is the container's own (config.json's: capabilities, rlimits, env, apparmor...) with
// exec's options applied; the runtime is posix_spawned and is the caller's child.
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>

#include "container/container.h"
#include "container/spec.h"
#include "oci/runtime_spec.h"
#include "sys/fs.h"
#include "sys/path_fd.h"
#include "sys/spawn.h"
#include "sys/unix_socket.h"
#include "util/strings.h"

namespace strata::container {

namespace {

// Every capability the runtime knows and our bounding set holds (what a process of
// ours can be given), for --privileged.
oci::Json all_capabilities() {
  oci::Json caps = oci::Json::array();
  for (int i = 0; !oci::capability_name(i).empty(); ++i)
    if (::prctl(PR_CAPBSET_READ, i, 0, 0, 0) == 1)
      caps.push_back(std::string(oci::capability_name(i)));
  return caps;
}

// A file of the running container's tree, or "" if it has none there (what
// lookup_user takes as a missing file). Opened below `root` (its /proc/PID/root) with
// RESOLVE_IN_ROOT: a symlink the container planted cannot lead out of its tree. Regular
// files only, checked on an O_PATH handle before anything is opened: a FIFO put at
// /etc/passwd must not hang the CLI, and a device node the container made there must
// not have its host driver's open run by us (a watchdog arms on open).
Result<std::string> read_container_file(int root, const char* rel) {
  auto path = sys::open_in_root(root, rel, O_PATH);
  if (!path.ok()) {
    int e = path.error().sys_errno();
    if (e == ENOENT || e == ENOTDIR) return std::string();
    return std::move(path).error();
  }
  struct stat st;
  if (::fstat(path->get(), &st) < 0) return Error::from_errno(errno, fmt::format("stat `{}`", rel));
  if (!S_ISREG(st.st_mode))
    return Error::make(Errc::kInvalidArgument, fmt::format("`/{}` is not a regular file", rel));
  auto fd = sys::reopen_path_fd(path->get(), O_RDONLY | O_NONBLOCK | O_NOCTTY);
  if (!fd.ok()) return std::move(fd).error();
  constexpr size_t kMax = 4 << 20;
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd->get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::from_errno(errno, fmt::format("read `/{}`", rel));
    if (n == 0) return text;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMax)
      return Error::make(Errc::kInvalidArgument, fmt::format("`/{}` is over 4 MiB", rel));
  }
}

// -u as the running container sees it: its merged tree's /etc/passwd and /etc/group
// (a user added by `adduser` in the container counts; the image's copy does not),
// reached through its init's /proc/PID/root. Should the init be gone and its pid reused
// meanwhile, the runtime's exec fails on the stopped container, so a user looked up in
// another process's tree is never used.
Result<LaunchUser> resolve_user_in_container(const Container& c, const std::string& user) {
  std::string proc_root = fmt::format("/proc/{}/root", c.state.pid);
  UniqueFd root(::open(proc_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid())
    return Error::from_errno(errno, fmt::format("container {}: open its root", c.short_id()));
  std::string passwd = TRY_CTX(read_container_file(root.get(), "etc/passwd"), "user");
  std::string group = TRY_CTX(read_container_file(root.get(), "etc/group"), "user");
  return TRY_CTX(lookup_user(passwd, group, user), "user");
}

// The last error a runtime wrote to its --log-format json log (runc, crun and
// strata-runtime write one {"level", "msg", "time"} object a line); "" if none.
std::string runtime_log_error(const std::string& path) {
  auto text = sys::read_file(path, 1 << 20);
  if (!text.ok()) return "";
  std::string last;
  for (const auto& line : split(*text, '\n')) {
    auto j = oci::parse_json(line, "runtime log");
    if (!j.ok() || !j->is_object()) continue;
    auto level = oci::get_string_or(*j, "level", "");
    auto msg = oci::get_string_or(*j, "msg", "");
    if (level.ok() && msg.ok() && (*level == "error" || *level == "fatal")) last = *msg;
  }
  return last;
}

std::vector<std::string> strings_of(const oci::Json& a) {
  std::vector<std::string> out;
  for (const auto& v : a)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

}  // namespace

Result<ExecProcess> Engine::exec(const Container& c, const ExecOptions& o,
                                 std::array<int, 3> stdio) {
  if (!c.state.running())
    return Error::make(Errc::kInvalidArgument, fmt::format("container {} is not running", c.id));
  if (o.cmd.empty()) return Error::make(Errc::kInvalidArgument, "no command specified");
  TRY(check_workdir(o.workdir));
  std::string config_path = dir(c) + "/config.json";
  oci::Json spec = TRY(oci::parse_json(TRY(sys::read_file(config_path)), config_path));
  oci::Json proc = *TRY(oci::get_object(spec, "process"));
  proc["args"] = o.cmd;
  proc["terminal"] = o.tty;
  proc.erase("consoleSize");
  if (o.tty && o.size) {
    auto f = split(*o.size, ' ');
    unsigned rows = 0, cols = 0;
    if (f.size() == 2 &&
        std::from_chars(f[0].data(), f[0].data() + f[0].size(), rows).ec == std::errc() &&
        std::from_chars(f[1].data(), f[1].data() + f[1].size(), cols).ec == std::errc())
      proc["consoleSize"] = {{"height", rows}, {"width", cols}};
  }
  std::vector<std::string> env = merge_env(strings_of(*TRY(oci::get_array(proc, "env"))), o.env);
  if (o.tty &&
      std::none_of(env.begin(), env.end(), [](const auto& e) { return e.starts_with("TERM="); }))
    env.push_back("TERM=xterm");
  proc["env"] = env;
  if (!o.workdir.empty()) proc["cwd"] = o.workdir;
  if (!o.user.empty()) {
    LaunchUser u = TRY(resolve_user_in_container(c, o.user));
    proc["user"] = {{"uid", u.uid}, {"gid", u.gid}};
    if (!u.additional_gids.empty()) proc["user"]["additionalGids"] = u.additional_gids;
  }
  if (o.privileged) {
    oci::Json caps = all_capabilities();
    proc["capabilities"] = {{"bounding", caps}, {"effective", caps}, {"permitted", caps}};
  }
  TRY_CTX(oci::parse_process(proc), "exec process");  // what the runtime would refuse

  ExecProcess p;
  std::string base = run_dir(c) + "/exec-" + new_id().substr(0, 12);
  p.process_file = base + ".json";
  p.pid_file = base + ".pid";
  TRY(sys::write_file_atomic(p.process_file, oci::dump_json(proc), 0600));
  std::vector<std::string> argv = {runtime_path(c), "--root", runtime_root(c)};
  // A detached runtime's stdio is the process's (it has no pty, or sends the pty's
  // master elsewhere): all /dev/null, and its own error goes to a log file instead.
  bool detached_runtime = o.detach || o.tty;
  if (detached_runtime) {
    p.log_file = base + ".log";
    argv.insert(argv.end(), {"--log", p.log_file, "--log-format", "json"});
    stdio = {-1, -1, -1};
  }
  argv.insert(argv.end(), {"exec", "--process", p.process_file});
  if (o.tty) {
    std::string path = base + ".sock";
    p.console_listener = TRY(sys::listen_unix(path, "console socket"));
    argv.insert(argv.end(), {"--console-socket",
                             TRY(sys::socket_path(path, "console socket", &p.console_dir))});
  }
  if (detached_runtime) argv.push_back("--detach");
  p.adopt = o.tty && !o.detach;
  if (p.adopt && ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    return Error::from_errno(errno, "exec: set child subreaper");
  argv.insert(argv.end(), {"--pid-file", p.pid_file, c.id});
  auto pid = sys::spawn(argv, {stdio[0], stdio[1], stdio[2], -1});
  if (!pid.ok()) {
    (void)exec_wait(p);
    return std::move(pid).error();
  }
  p.pid = *pid;
  return p;
}

Result<UniqueFd> Engine::exec_console(ExecProcess& p) {
  for (;;) {
    pollfd fd = {p.console_listener.get(), POLLIN, 0};
    if (::poll(&fd, 1, 50) > 0) {
      UniqueFd conn(::accept4(p.console_listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
      UniqueFd master;
      char buf[256];
      ssize_t n;
      do {
        n = sys::recv_with_fd(conn.get(), buf, sizeof buf, &master);
      } while (n < 0 && errno == EINTR);
      if (master.valid()) return master;
      return Error::make(Errc::kInternal, "exec: the runtime sent no pty master");
    }
    int st;
    if (p.status || ::waitpid(p.pid, &st, WNOHANG) == p.pid) {
      if (!p.status) p.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      return Error::make(Errc::kInternal, "exec: the runtime exited before it sent a pty");
    }
  }
}

Result<std::pair<int, bool>> Engine::exec_wait(ExecProcess& p) {
  if (!p.status && p.pid > 0) p.status = TRY(sys::wait_exit(p.pid));
  bool started = sys::exists(p.pid_file);
  if (started && p.adopt && p.status == 0) {  // the process itself: our child now
    auto text = sys::read_file(p.pid_file, 64);
    pid_t pid = 0;
    if (text.ok()) std::from_chars(text->data(), text->data() + text->size(), pid);
    if (auto code = pid > 0 ? sys::wait_exit(pid) : Result<int>(125); code.ok()) p.status = *code;
  }
  if (!started && !p.log_file.empty()) p.error = runtime_log_error(p.log_file);
  for (const auto& f : {p.process_file, p.pid_file, p.log_file})
    if (!f.empty()) ::unlink(f.c_str());
  if (p.console_listener.valid())
    ::unlink((p.pid_file.substr(0, p.pid_file.size() - 4) + ".sock").c_str());
  return std::pair<int, bool>(p.status.value_or(125), started);
}

}  // namespace strata::container
