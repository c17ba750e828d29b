// SPDX-License-Identifier: Apache-2.0
// `exec`: a new process in a running container, through the OCI runtime's
// `exec --process FILE` (strata-runtime, runc and crun take the same flags). The process
// is the container's own (config.json's: capabilities, rlimits, env, apparmor...) with
// exec's options applied; the runtime is posix_spawned and is the caller's child.
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>

#include "container/container.h"
#include "container/spec.h"
#include "oci/runtime_spec.h"
#include "sys/fs.h"
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
    store::ImageRecord img = TRY(store_.get_image(c.image_id));
    LaunchUser u = TRY(resolve_user(store_, img, o.user));
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
  std::vector<std::string> argv = {runtime_path(c), "--root",    runtime_root(c),
                                   "exec",          "--process", p.process_file};
  if (o.tty) {
    std::string path = base + ".sock";
    p.console_listener = TRY(sys::listen_unix(path, "console socket"));
    argv.insert(argv.end(), {"--console-socket",
                             TRY(sys::socket_path(path, "console socket", &p.console_dir))});
  }
  if (o.detach || o.tty) argv.push_back("--detach");
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
  for (const auto& f : {p.process_file, p.pid_file}) ::unlink(f.c_str());
  if (p.console_listener.valid())
    ::unlink((p.pid_file.substr(0, p.pid_file.size() - 4) + ".sock").c_str());
  return std::pair<int, bool>(p.status.value_or(125), started);
}

}  // namespace strata::container
