// SPDX-License-Identifier: Apache-2.0
#include "runtime/exec.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>

#include "runtime/cgroup/cgroup.h"
#include "runtime/container.h"
#include "runtime/init/init.h"
#include "runtime/process.h"
#include "runtime/spawn.h"
#include "sys/fs.h"
#include "sys/pidfd.h"
#include "util/defer.h"
#include "util/strings.h"

namespace strata::runtime {

namespace {

// --user UID[:GID], each from 0 to 2^32-2 (-1 is "no id" to the kernel).
Result<void> parse_user(const std::string& text, oci::User* user) {
  auto parts = split(text, ':');
  auto bad = [&] {
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("--user \"{}\": want UID[:GID], numbers from 0 to 4294967294",
                                   printable(text)));
  };
  if (parts.size() > 2) return bad();
  uint32_t ids[2] = {0, 0};
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& v = parts[i];
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), ids[i]);
    if (v.empty() || ec != std::errc() || end != v.data() + v.size() || ids[i] == UINT32_MAX)
      return bad();
  }
  user->uid = ids[0];
  user->gid = ids[1];
  return {};
}

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
  if (!o.user.empty()) TRY(parse_user(o.user, &p.user));
  if (o.no_new_privs) p.no_new_privileges = true;
  if (!o.caps.empty()) {
    if (!p.capabilities) p.capabilities = oci::Capabilities{};
    for (const auto& c : o.caps) {
      int cap = oci::capability_from_name(c);
      if (cap < 0)
        return Error::make(Errc::kInvalidArgument,
                           fmt::format("--cap \"{}\": unknown capability", printable(c)));
      for (auto* set :
           {&p.capabilities->bounding, &p.capabilities->effective, &p.capabilities->permitted})
        set->push_back(cap);
    }
  }
  return p;
}

// The namespaces of the init that differ from ours, as setns(pidfd) flags. One that
// is the same (a container that shares the host's user namespace by path) is not
// joined: setns refuses a user namespace the caller is already in.
Result<int> namespace_flags(pid_t pid, const oci::RuntimeSpec& spec) {
  static constexpr std::pair<int, const char*> kKinds[] = {
      {CLONE_NEWUSER, "user"}, {CLONE_NEWIPC, "ipc"},       {CLONE_NEWUTS, "uts"},
      {CLONE_NEWNET, "net"},   {CLONE_NEWCGROUP, "cgroup"}, {CLONE_NEWTIME, "time"},
      {CLONE_NEWPID, "pid"},   {CLONE_NEWNS, "mnt"}};
  int flags = 0;
  for (const auto& [flag, name] : kKinds) {
    if (!spec.has_namespace(flag)) continue;
    struct stat theirs, ours;
    std::string path = fmt::format("/proc/{}/ns/{}", pid, name);
    if (::stat(path.c_str(), &theirs) < 0)
      return Error::from_errno(errno, fmt::format("stat `{}`", path));
    std::string self = fmt::format("/proc/self/ns/{}", name);
    if (::stat(self.c_str(), &ours) < 0)
      return Error::from_errno(errno, fmt::format("stat `{}`", self));
    if (theirs.st_ino != ours.st_ino || theirs.st_dev != ours.st_dev) flags |= flag;
  }
  return flags;
}

// The init, by a pidfd checked against its start time, and its root directory,
// opened while that pidfd shows it alive (so both are the init's, not a reuser's).
struct InitHandles {
  UniqueFd pidfd, root;
  int namespaces = 0;
};

Result<InitHandles> open_init(const ContainerState& s, const oci::RuntimeSpec& spec) {
  InitHandles h;
  auto fd = open_process(s.pid, s.start_time);
  if (!fd.ok()) return std::move(fd).error().context("exec");
  h.pidfd = std::move(fd).value();
  std::string root = fmt::format("/proc/{}/root", s.pid);
  h.root.reset(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!h.root.valid()) return Error::from_errno(errno, fmt::format("open `{}`", root));
  h.namespaces = TRY(namespace_flags(s.pid, spec));
  if (!sys::pidfd_alive(h.pidfd.get()))
    return Error::make(Errc::kNotFound, "exec: the container's init exited");
  return h;
}

pid_t g_exec_child = 0;
void forward_signal(int sig) {
  if (g_exec_child > 0) ::kill(g_exec_child, sig);
}

// The joiner enters the init's namespaces through its pidfd (one setns for all, in the
// kernel's order; ESRCH if the init is gone), then forks the process inside the pid
// namespace; the runtime, a subreaper, waits for that grandchild.
Result<init::Cloned> spawn_exec(const LaunchPlan& plan, const InitHandles& h,
                                const cgroup::Manager::Entry& entry, init::InitFds fds,
                                UniqueFd& parent_end, UniqueFd& child_end) {
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    return Error::from_errno(errno, "set child subreaper");
  pid_t joiner = ::fork();
  if (joiner < 0) return Error::from_errno(errno, "fork");
  if (joiner == 0)
    [&]() noexcept {  // on a copy of our stack: nothing unwinds into it
      parent_end.reset();
      if (h.namespaces != 0 && ::setns(h.pidfd.get(), h.namespaces) < 0)
        init::report_clone(child_end.get(), -1, false, "join the container's namespaces");
      bool placed = false;
      long pid = clone_child(0, entry.clone_into.get(), &placed);
      if (pid == 0) init::run_exec(plan, fds);
      init::report_clone(child_end.get(), pid, placed, "fork");
    }();
  child_end.reset();
  return await_child(joiner, parent_end.get(), "exec: the joining process");
}

int wait_exit_code(pid_t pid) {
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

}  // namespace

Result<int> exec_process(const std::string& root, const ExecOptions& o) {
  TRY(check_preserved_fds(o.preserve_fds));
  ContainerState s = TRY(load_state(root, o.id));
  if (s.status != "running" && s.status != "created")
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("cannot exec in a {} container", s.status));
  std::string text = TRY(sys::read_file(s.bundle + "/config.json"));
  oci::RuntimeSpec spec = TRY_CTX(oci::parse_spec(text), "{}/config.json", printable(s.bundle));
  oci::Process proc = TRY(exec_process_spec(o, spec));
  if (proc.terminal && o.console_socket.empty())
    return Error::make(Errc::kInvalidArgument, "exec: a terminal needs --console-socket");
  CompiledSpec compiled = TRY(compile_exec(spec, proc));
  compiled.plan.preserve_fds = o.preserve_fds;
  InitHandles h = TRY(open_init(s, spec));
  auto cg = TRY(cgroup::open_recorded(s.cgroup));
  cgroup::Manager::Entry entry = TRY(cg->open_entry());
  UniqueFd console;
  if (proc.terminal) console = TRY(connect_console(o.console_socket));
  auto [parent_end, child_end] = TRY(sync_pair());
  init::InitFds fds = {child_end.get(), -1, console.get(), h.root.get(), {}};
  for (const auto& fd : entry.self_join) fds.cgroup_join.push_back(fd.get());
  init::Cloned child = TRY(spawn_exec(compiled.plan, h, entry, fds, parent_end, child_end));
  console.reset();
  Defer kill_child([&] {
    ::kill(child.pid, SIGKILL);  // our own (reapable) child: its pid cannot be reused
    ::waitpid(child.pid, nullptr, 0);
  });
  TRY_CTX(cg->admit(child.pid, entry, child.placed), "exec: join cgroup");
  ChildRequests requests;
  requests.seccomp_fd = [&](const UniqueFd& fd) {
    return hand_listener(compiled.agent, state_json(s), child.pid, fd);
  };
  if (TRY(hand_shake(parent_end.get(), "", requests)) != ChildOutcome::kExeced)
    return Error::make(Errc::kInternal, "exec: unexpected ready record from the process");
  kill_child.cancel();
  if (!o.pid_file.empty()) TRY(sys::write_file_atomic(o.pid_file, std::to_string(child.pid), 0644));
  if (o.detach) return 0;
  return wait_exit_code(child.pid);
}

}  // namespace strata::runtime
