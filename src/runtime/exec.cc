// SPDX-License-Identifier: Apache-2.0
#include "runtime/exec.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/cgroup/cgroup.h"
#include "runtime/container.h"
#include "runtime/init/init.h"
#include "runtime/seccomp/seccomp.h"
#include "sys/fs.h"
#include "sys/unix_socket.h"
#include "util/defer.h"
#include "util/strings.h"

namespace strata::runtime {

namespace {

// The process to run: --process FILE, or the bundle's process with the flags applied.
Result<oci::Process> exec_process_spec(const ExecOptions& o, const oci::RuntimeSpec& spec) {
  if (!o.process_file.empty()) {
    std::string text = TRY(sys::read_file(o.process_file));
    oci::Json j = TRY(oci::parse_json(text, o.process_file));
    return TRY_CTX(oci::parse_process(j), "--process `{}`", o.process_file);
  }
  if (o.args.empty())
    return Error::make(Errc::kInvalidArgument, "exec: a command (or --process) is needed");
  oci::Process p = spec.process;
  p.args = o.args;
  p.terminal = o.tty;
  p.console_size.reset();
  if (!o.cwd.empty()) p.cwd = o.cwd;
  for (const auto& e : o.env) {
    auto eq = e.find('=');
    std::string key = e.substr(0, eq);
    std::erase_if(p.env, [&](const std::string& v) { return v.starts_with(key + "="); });
    p.env.push_back(e);
  }
  if (!o.user.empty()) {
    auto parts = split(o.user, ':');
    char* end = nullptr;
    p.user.uid = static_cast<uint32_t>(std::strtoul(parts[0].c_str(), &end, 10));
    if (*end != '\0')
      return Error::make(Errc::kInvalidArgument,
                         fmt::format("--user \"{}\": want UID[:GID]", o.user));
    p.user.gid =
        parts.size() > 1 ? static_cast<uint32_t>(std::strtoul(parts[1].c_str(), nullptr, 10)) : 0;
  }
  if (o.no_new_privs) p.no_new_privileges = true;
  if (!o.caps.empty()) {
    if (!p.capabilities) p.capabilities = oci::Capabilities{};
    for (const auto& c : o.caps) {
      int cap = oci::capability_from_name(c);
      if (cap < 0)
        return Error::make(Errc::kInvalidArgument,
                           fmt::format("--cap \"{}\": unknown capability", c));
      for (auto* set :
           {&p.capabilities->bounding, &p.capabilities->effective, &p.capabilities->permitted})
        set->push_back(cap);
    }
  }
  return p;
}

// Namespace files of the container's init, opened now (before anything forks), in the
// order they are joined: user first (it grants the rights for the rest), mount last.
Result<std::vector<std::pair<int, UniqueFd>>> open_namespaces(pid_t pid,
                                                              const oci::RuntimeSpec& spec) {
  static constexpr std::pair<int, const char*> kOrder[] = {
      {CLONE_NEWUSER, "user"}, {CLONE_NEWIPC, "ipc"},       {CLONE_NEWUTS, "uts"},
      {CLONE_NEWNET, "net"},   {CLONE_NEWCGROUP, "cgroup"}, {CLONE_NEWTIME, "time"},
      {CLONE_NEWPID, "pid"},   {CLONE_NEWNS, "mnt"}};
  std::vector<std::pair<int, UniqueFd>> out;
  for (const auto& [flag, name] : kOrder) {
    if (!spec.has_namespace(flag)) continue;
    std::string path = fmt::format("/proc/{}/ns/{}", pid, name);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error::from_errno(errno, fmt::format("open `{}`", path));
    out.emplace_back(flag, UniqueFd(fd));
  }
  return out;
}

pid_t g_exec_child = 0;
void forward_signal(int sig) {
  if (g_exec_child > 0) ::kill(g_exec_child, sig);
}

}  // namespace

Result<int> exec_process(const std::string& root, const ExecOptions& o) {
  ContainerState s = TRY(load_state(root, o.id));
  if (s.status != "running" && s.status != "created")
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("cannot exec in a {} container", s.status));
  std::string text = TRY(sys::read_file(s.bundle + "/config.json"));
  oci::RuntimeSpec spec = TRY_CTX(oci::parse_spec(text), "{}/config.json", s.bundle);
  oci::Process proc = TRY(exec_process_spec(o, spec));
  TRY(check_lsm_labels(proc));
  if (proc.terminal && o.console_socket.empty())
    return Error::make(Errc::kInvalidArgument, "exec: a terminal needs --console-socket");

  LaunchPlan plan;
  plan.args = proc.args;
  plan.env = proc.env;
  plan.cwd = proc.cwd;
  plan.user = proc.user;
  plan.rlimits = proc.rlimits;
  plan.no_new_privileges = proc.no_new_privileges;
  plan.terminal = proc.terminal;
  plan.console_size = proc.console_size;
  plan.preserve_fds = o.preserve_fds;
  plan.personality_linux32 = spec.personality_linux32;
  if (proc.capabilities) plan.caps = cap_sets(*proc.capabilities);
  TRY(add_seccomp(spec, &plan));
  auto namespaces = TRY(open_namespaces(s.pid, spec));
  auto cg = TRY(cgroup::open_recorded(s.cgroup));
  cgroup::Manager::Entry entry = TRY(cg->open_entry());
  for (const auto& fd : entry.self_join) plan.cgroup_join_fds.push_back(fd.get());
  UniqueFd console;
  if (proc.terminal) console = TRY(connect_console(o.console_socket));
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return Error::from_errno(errno, "socketpair");
  UniqueFd parent_end(sv[0]), child_end(sv[1]);
  // The exec'd process is a grandchild (a pid namespace is entered by forking after
  // setns); as a subreaper this process still gets to wait for it.
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    return Error::from_errno(errno, "set child subreaper");

  pid_t joiner = ::fork();
  if (joiner < 0) return Error::from_errno(errno, "fork");
  if (joiner == 0) {
    parent_end.reset();
    for (auto& [flag, fd] : namespaces) {
      if (::setns(fd.get(), flag) < 0)
        report_child(child_end.get(), -1, false, "join the container's namespaces");
    }
    bool placed = false;
    long pid = clone_child(0, entry.clone_into.get(), &placed);
    if (pid == 0) init::run_exec(plan, {child_end.get(), -1, console.get()});
    report_child(child_end.get(), pid, placed, "fork");
  }
  child_end.reset();
  console.reset();
  Cloned child = TRY(await_child(joiner, parent_end.get(), "exec: the joining process"));
  pid_t pid = child.pid;
  Defer kill_child([&] {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  });
  TRY_CTX(cg->admit(pid, entry, child.placed), "exec: join cgroup");
  char buf[4096];
  ssize_t n;
  if (::write(parent_end.get(), &init::kGo, 1) != 1)
    return Error::from_errno(errno, "signal exec process");
  while (true) {
    UniqueFd listener;
    n = sys::recv_with_fd(parent_end.get(), buf, sizeof(buf), &listener);
    if (n <= 0 || buf[0] != init::kSeccompFd) break;
    TRY(hand_listener(plan, state_json(s), pid, listener));
  }
  if (n > 0) return init::error_from_record({buf, static_cast<size_t>(n)});
  // EOF: the socket closed on exec, the program runs.
  kill_child.cancel();
  if (!o.pid_file.empty()) TRY(sys::write_file_atomic(o.pid_file, std::to_string(pid), 0644));
  if (o.detach) return 0;
  g_exec_child = pid;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH})
    ::signal(sig, forward_signal);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

}  // namespace strata::runtime
