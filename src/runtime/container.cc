// SPDX-License-Identifier: Apache-2.0
#include "runtime/container.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <ctime>

#include "runtime/cgroup/cgroup.h"
#include "runtime/cgroup/devices.h"
#include "runtime/init/hook.h"
#include "runtime/init/init.h"
#include "runtime/seccomp/seccomp.h"
#include "sys/fs.h"
#include "sys/unix_socket.h"
#include "util/defer.h"
#include "util/strings.h"

extern char** environ;

namespace strata::runtime {

namespace {

std::string state_dir(const std::string& root, const std::string& id) { return root + "/" + id; }

// Field 22 of /proc/<pid>/stat (after the parenthesised comm), and the state letter.
bool proc_start_time(pid_t pid, uint64_t* start, char* state) {
  auto text = sys::read_file(fmt::format("/proc/{}/stat", pid), 4096);
  if (!text.ok()) return false;
  auto close = text->rfind(')');
  if (close == std::string::npos) return false;
  auto fields = split(text->substr(close + 2), ' ');
  if (fields.size() < 20) return false;
  *state = fields[0].empty() ? '?' : fields[0][0];
  *start = std::stoull(fields[19]);
  return true;
}

bool init_alive(const ContainerState& s) {
  uint64_t start;
  char st;
  if (s.pid <= 0 || !proc_start_time(s.pid, &start, &st)) return false;
  return start == s.start_time && st != 'Z' && st != 'X';
}

Result<void> save_state(const std::string& root, const ContainerState& s) {
  oci::Json j = state_json(s);
  j["startTime"] = s.start_time;
  oci::Json cg = oci::Json::object();
  cg["v2"] = s.cgroup.v2;
  cg["v2Dir"] = s.cgroup.v2_dir;
  cg["v1Dirs"] = s.cgroup.v1_dirs;
  j["cgroup"] = cg;
  return sys::write_file_atomic(state_dir(root, s.id) + "/state.json", oci::dump_json(j), 0600);
}

ContainerState with_status(const ContainerState& s, const char* status) {
  ContainerState copy = s;
  copy.status = status;
  return copy;
}

// The state JSON hooks get on stdin (runtime-spec runtime.md "State").
std::string hook_state(const ContainerState& s, const char* status) {
  return oci::dump_json(state_json(with_status(s, status)));
}

// Hooks named in the bundle's config.json, for start (poststart) and delete (poststop).
oci::Hooks bundle_hooks(const ContainerState& s) {
  auto text = sys::read_file(s.bundle + "/config.json");
  if (!text.ok()) return {};
  auto spec = oci::parse_spec(*text);
  return spec.ok() ? spec->hooks : oci::Hooks{};
}

// poststart and poststop failures are warnings (runtime-spec config.md "Hooks").
void run_hooks_warn(const std::vector<oci::Hook>& hooks, const std::string& state,
                    const char* stage) {
  for (const auto& h : hooks) {
    auto r = init::run_hook(h, state);
    if (!r.ok())
      std::fprintf(stderr, "strata-runtime: warning: %s hook: %s\n", stage,
                   r.error().message().c_str());
  }
}

Result<void> write_id_maps(pid_t pid, const oci::RuntimeSpec& spec) {
  auto fmt_map = [](const std::vector<oci::IdMapping>& maps) {
    std::string s;
    for (const auto& m : maps) s += fmt::format("{} {} {}\n", m.container_id, m.host_id, m.size);
    return s;
  };
  TRY_CTX(
      sys::write_existing_file(fmt::format("/proc/{}/uid_map", pid), fmt_map(spec.uid_mappings)),
      "linux.uidMappings");
  // An unprivileged parent may write gid_map only once setgroups is denied.
  if (::geteuid() != 0)
    TRY(sys::write_existing_file(fmt::format("/proc/{}/setgroups", pid), "deny"));
  TRY_CTX(
      sys::write_existing_file(fmt::format("/proc/{}/gid_map", pid), fmt_map(spec.gid_mappings)),
      "linux.gidMappings");
  return {};
}

// Joins the user, pid and time namespaces to join, and makes a new time namespace, in a
// short-lived process, which clones the init with CLONE_PARENT (so this process still
// reaps it) and reports its pid.
Result<Cloned> clone_via_joiner(const LaunchPlan& plan, UniqueFd& parent_end, UniqueFd& child_end,
                                const init::InitFds& fds, pid_t self, int cgroup_fd) {
  pid_t joiner = ::fork();
  if (joiner < 0) return Error::from_errno(errno, "fork");
  if (joiner == 0) {
    parent_end.reset();
    auto fail = [&](const std::string& what) { report_child(child_end.get(), -1, false, what); };
    for (const auto& [flag, path] : plan.prejoin_namespaces) {
      int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0 || ::setns(fd, flag) < 0) fail(fmt::format("join namespace {}", path));
    }
    if (plan.new_timens) {
      if (::unshare(CLONE_NEWTIME) < 0) fail("linux.namespaces: new time namespace");
      if (!plan.time_offsets.empty() &&
          !sys::write_existing_file("/proc/self/timens_offsets", plan.time_offsets).ok())
        fail("linux.timeOffsets: write /proc/self/timens_offsets");
    }
    bool placed = false;
    long c = clone_child(static_cast<unsigned long>(plan.clone_flags) | CLONE_PARENT, cgroup_fd,
                         &placed);
    if (c == 0) init::run_init(plan, fds, self);
    report_child(child_end.get(), c, placed, "clone into the new namespaces");
  }
  return await_child(joiner, parent_end.get(), "the namespace joiner");
}

}  // namespace

// clone(2) into the new namespaces, as fork does. With a cgroup directory fd, clone3's
// CLONE_INTO_CGROUP puts the child in its (v2) cgroup at birth and *placed says so;
// a kernel without it (before 5.7) gets plain clone and the caller moves the child.
long clone_child(unsigned long flags, int cgroup_fd, bool* placed) {
  *placed = false;
  if (cgroup_fd >= 0) {
    struct clone_args args = {};
    args.flags = flags | CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.cgroup = static_cast<uint64_t>(cgroup_fd);
    long rc = ::syscall(SYS_clone3, &args, sizeof(args));
    if (rc >= 0) {
      *placed = true;
      return rc;
    }
    // No clone3 (ENOSYS), or the cgroup refused the child (a cgroup namespace or
    // delegation rule): plain clone, then a move by pid. A namespace error repeats.
  }
  return ::syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
}

void report_child(int sock, long pid, bool placed, std::string_view what) {
  std::string rec =
      pid < 0 ? fmt::format("E{}:{}", errno, what) : fmt::format("P{} {}", pid, placed ? 1 : 0);
  (void)!::write(sock, rec.data(), rec.size());
  _exit(pid < 0 ? 1 : 0);
}

Result<Cloned> await_child(pid_t joiner, int sock, std::string_view who) {
  ::waitpid(joiner, nullptr, 0);
  char buf[512];
  ssize_t n = ::recv(sock, buf, sizeof(buf), 0);
  if (n <= 0) return Error::make(Errc::kInternal, fmt::format("{} died", who));
  std::string msg(buf, static_cast<size_t>(n));
  if (msg[0] != 'P') return init::error_from_record(msg);
  Cloned c;
  c.pid = static_cast<pid_t>(std::strtol(msg.c_str() + 1, nullptr, 10));
  c.placed = msg.ends_with(" 1");
  return c;
}

Result<UniqueFd> connect_console(const std::string& path) {
  return sys::connect_unix(path, "--console-socket");
}

Result<void> add_seccomp(const oci::RuntimeSpec& spec, LaunchPlan* plan) {
  if (spec.seccomp.is_null()) return {};
  auto filter = TRY(seccomp::compile(spec.seccomp));
  plan->seccomp_bpf = std::move(filter.bpf);
  plan->seccomp_flags = filter.flags;
  plan->seccomp_listener = std::move(filter.listener_path);
  plan->seccomp_metadata = std::move(filter.listener_metadata);
  return {};
}

Result<void> hand_listener(const LaunchPlan& plan, const oci::Json& state, pid_t pid,
                           const UniqueFd& listener) {
  if (!listener.valid())
    return Error::make(Errc::kInternal, "the seccomp listener fd did not arrive");
  return seccomp::send_to_agent(plan.seccomp_listener, plan.seccomp_metadata, state, pid,
                                listener.get());
}

Result<void> check_id(const std::string& id) {
  bool ok = !id.empty() && id.size() <= 1024 && id != "." && id != "..";
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '+' ||
          c == '-'))
      ok = false;
  if (!ok)
    return Error::make(Errc::kInvalidArgument, fmt::format("invalid container ID \"{}\"", id));
  return {};
}

Result<pid_t> create_container(const std::string& root, const CreateOptions& o) {
  TRY(check_id(o.id));
  char real[PATH_MAX];
  if (::realpath(o.bundle.c_str(), real) == nullptr)
    return Error::from_errno(errno, fmt::format("bundle `{}`", o.bundle));
  std::string bundle = real;
  std::string text = TRY(sys::read_file(bundle + "/config.json"));
  oci::RuntimeSpec spec = TRY_CTX(oci::parse_spec(text), "{}/config.json", bundle);
  if (spec.process.terminal && o.console_socket.empty())
    return Error::make(Errc::kInvalidArgument, "process.terminal needs --console-socket");

  TRY(sys::mkdir_p(root, 0700));
  std::string dir = state_dir(root, o.id);
  if (::mkdir(dir.c_str(), 0700) < 0) {
    if (errno == EEXIST)
      return Error::make(Errc::kExists, fmt::format("container with id exists: {}", o.id));
    return Error::from_errno(errno, fmt::format("mkdir `{}`", dir));
  }
  Defer remove_dir([&] { (void)sys::remove_all(dir); });
  auto cg = TRY(cgroup::open(spec.cgroups_path, o.id));
  // A first state file before anything is made, so that `delete --force` can clean up
  // after a create killed at any later point: it names the cgroup, and the status reads
  // "stopped" (pid 0).
  ContainerState s;
  s.oci_version = spec.oci_version;
  s.id = o.id;
  s.bundle = bundle;
  s.annotations = spec.annotations;
  s.cgroup = cg->view();
  TRY(save_state(root, s));
  oci::Resources resources = spec.resources;
  // Rootless: no devices cgroup to write (v1) nor BPF to load (v2); a user namespace
  // cannot make device nodes anyway (runc skips them too).
  if (::geteuid() == 0) resources.devices = cgroup::device_rules(spec);
  auto made = cg->create(resources);
  if (!made.ok()) {
    // Rootless: without write access to the cgroup tree, a container that asks for no
    // limits runs without a cgroup of its own (runc's rule).
    if (::geteuid() == 0 || made.error().code() != Errc::kPermission || spec.resources.any())
      return std::move(made).error().context(::geteuid() == 0 ? "create cgroup"
                                                              : "rootless: create cgroup");
    cg = cgroup::none();
    s.cgroup = cg->view();
    TRY(save_state(root, s));
  }
  Defer remove_cgroup([&] { (void)cg->destroy(); });
  LaunchPlan plan = TRY(compile_plan(spec, bundle, cg->view()));
  s.rootfs = plan.rootfs;
  plan.preserve_fds = o.preserve_fds;
  cgroup::Manager::Entry entry = TRY(cg->open_entry());
  for (const auto& fd : entry.self_join) plan.cgroup_join_fds.push_back(fd.get());
  plan.no_pivot = o.no_pivot;
  TRY(add_seccomp(spec, &plan));

  std::string fifo = dir + "/exec.fifo";
  if (::mkfifo(fifo.c_str(), 0622) < 0)
    return Error::from_errno(errno, fmt::format("mkfifo `{}`", fifo));
  // Past the umask: the init writes to it after dropping to the container's user. Only
  // root can reach it (the state directory is 0700).
  if (::chmod(fifo.c_str(), 0622) < 0)
    return Error::from_errno(errno, fmt::format("chmod `{}`", fifo));
  int fifo_fd = ::open(fifo.c_str(), O_PATH | O_CLOEXEC);
  if (fifo_fd < 0) return Error::from_errno(errno, fmt::format("open `{}`", fifo));
  UniqueFd fifo_guard(fifo_fd);
  UniqueFd console;
  if (spec.process.terminal) console = TRY(connect_console(o.console_socket));
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return Error::from_errno(errno, "socketpair");
  UniqueFd parent_end(sv[0]), child_end(sv[1]);

  // A fork-like clone into the new namespaces: this process is single-threaded.
  pid_t self = ::getpid();
  long rc;
  bool placed = false;  // in its cgroup from birth
  if (!needs_joiner(plan)) {
    rc = clone_child(static_cast<unsigned long>(plan.clone_flags), entry.clone_into.get(), &placed);
    if (rc < 0) return Error::from_errno(errno, "clone into the new namespaces");
    if (rc == 0) {
      parent_end.reset();
      init::run_init(plan, {child_end.get(), fifo_fd, console.get()}, self);
    }
  } else {
    Cloned c =
        TRY(clone_via_joiner(plan, parent_end, child_end, {child_end.get(), fifo_fd, console.get()},
                             self, entry.clone_into.get()));
    rc = c.pid;
    placed = c.placed;
  }
  pid_t pid = static_cast<pid_t>(rc);
  child_end.reset();
  console.reset();
  Defer kill_child([&] {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  });
  if (plan.new_userns) TRY(write_id_maps(pid, spec));
  TRY_CTX(cg->admit(pid, entry, placed), "join cgroup");
  s.pid = pid;
  std::string creating = hook_state(s, "creating");
  std::string go = std::string(1, init::kGo) + creating;
  if (::send(parent_end.get(), go.data(), go.size(), MSG_NOSIGNAL) < 0)
    return Error::from_errno(errno, "signal init");
  std::string msg;
  while (true) {
    char buf[4096];
    UniqueFd listener;
    ssize_t n = sys::recv_with_fd(parent_end.get(), buf, sizeof(buf), &listener);
    if (n <= 0) return Error::make(Errc::kInternal, "container init exited before it was ready");
    msg.assign(buf, static_cast<size_t>(n));
    if (msg[0] == init::kSeccompFd) {
      TRY(hand_listener(plan, state_json(with_status(s, "creating")), pid, listener));
      continue;
    }
    if (msg[0] != init::kHooks) break;
    TRY(init::run_hooks(spec.hooks.prestart, creating, "prestart"));
    TRY(init::run_hooks(spec.hooks.create_runtime, creating, "createRuntime"));
    if (::write(parent_end.get(), &init::kGo, 1) != 1)
      return Error::from_errno(errno, "resume init");
  }
  if (msg[0] != init::kReady) return init::error_from_record(msg);

  char st;
  if (!proc_start_time(pid, &s.start_time, &st))
    return Error::make(Errc::kInternal, "read init start time");
  struct timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);
  s.created = format_rfc3339(now.tv_sec, now.tv_nsec);
  TRY(save_state(root, s));
  if (!o.pid_file.empty()) TRY(sys::write_file_atomic(o.pid_file, std::to_string(pid), 0644));
  kill_child.cancel();
  remove_cgroup.cancel();
  remove_dir.cancel();
  return pid;
}

Result<ContainerState> load_state(const std::string& root, const std::string& id) {
  TRY(check_id(id));
  std::string dir = state_dir(root, id);
  auto text = sys::read_file(dir + "/state.json");
  if (!text.ok()) {
    if (text.error().code() == Errc::kNotFound)
      return Error::make(Errc::kNotFound, fmt::format("container \"{}\" does not exist", id));
    return std::move(text).error();
  }
  oci::Json j = TRY(oci::parse_json(*text, dir + "/state.json"));
  ContainerState s;
  s.oci_version = j.value("ociVersion", "");
  s.id = id;
  s.pid = j.value("pid", 0);
  s.start_time = j.value("startTime", uint64_t{0});
  s.bundle = j.value("bundle", "");
  s.rootfs = j.value("rootfs", "");
  s.created = j.value("created", "");
  s.owner = j.value("owner", "");
  if (j.contains("annotations") && j["annotations"].is_object())
    for (auto it = j["annotations"].begin(); it != j["annotations"].end(); ++it)
      s.annotations[it.key()] = it.value().get<std::string>();
  const oci::Json& cg = j["cgroup"];
  s.cgroup.v2 = cg.value("v2", false);
  s.cgroup.v2_dir = cg.value("v2Dir", "");
  if (cg.contains("v1Dirs"))
    for (auto it = cg["v1Dirs"].begin(); it != cg["v1Dirs"].end(); ++it)
      s.cgroup.v1_dirs[it.key()] = it.value().get<std::string>();
  if (!init_alive(s)) {
    s.status = "stopped";
  } else if (sys::exists(dir + "/exec.fifo")) {
    s.status = "created";
  } else {
    auto mgr = TRY(cgroup::open_recorded(s.cgroup));
    s.status = TRY(mgr->frozen()) ? "paused" : "running";
  }
  return s;
}

oci::Json state_json(const ContainerState& s) {
  oci::Json j = oci::Json::object();
  j["ociVersion"] = s.oci_version.empty() ? "1.2.0" : s.oci_version;
  j["id"] = s.id;
  j["pid"] = s.status == "stopped" ? 0 : s.pid;
  j["status"] = s.status;
  j["bundle"] = s.bundle;
  j["rootfs"] = s.rootfs;
  j["created"] = s.created;
  j["owner"] = s.owner;
  if (!s.annotations.empty()) j["annotations"] = s.annotations;
  return j;
}

Result<void> start_container(const std::string& root, const std::string& id) {
  ContainerState s = TRY(load_state(root, id));
  if (s.status != "created")
    return Error::make(
        Errc::kInvalidArgument,
        fmt::format("cannot start a container that is {} (only a created one)", s.status));
  std::string fifo = state_dir(root, id) + "/exec.fifo";
  int fd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return Error::from_errno(errno, fmt::format("open `{}`", fifo));
  UniqueFd guard(fd);
  // The init opens its end as soon as ours exists and writes one byte; poll, so that an
  // init that died meanwhile is an error and not a hang.
  while (true) {
    struct pollfd p = {fd, POLLIN, 0};
    int r = ::poll(&p, 1, 100);
    if (r < 0 && errno != EINTR) return Error::from_errno(errno, "poll exec fifo");
    if (r > 0 && (p.revents & POLLIN)) {
      char c;
      if (::read(fd, &c, 1) == 1) break;
    }
    if (!init_alive(s)) return Error::make(Errc::kNotFound, "container init exited before start");
  }
  ::unlink(fifo.c_str());
  run_hooks_warn(bundle_hooks(s).poststart, hook_state(s, "running"), "poststart");
  return {};
}

Result<std::vector<ContainerState>> list_containers(const std::string& root) {
  std::vector<ContainerState> out;
  DIR* d = ::opendir(root.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return out;
    return Error::from_errno(errno, fmt::format("opendir `{}`", root));
  }
  Defer close_dir([&] { ::closedir(d); });
  std::vector<std::string> ids;
  while (struct dirent* de = ::readdir(d)) {
    std::string n = de->d_name;
    if (n != "." && n != ".." && sys::exists(root + "/" + n + "/state.json")) ids.push_back(n);
  }
  std::sort(ids.begin(), ids.end());
  for (const auto& id : ids) {
    auto s = load_state(root, id);
    if (s.ok()) out.push_back(std::move(s).value());
  }
  return out;
}

Result<void> kill_container(const std::string& root, const std::string& id, int sig, bool all) {
  ContainerState s = TRY(load_state(root, id));
  if (s.status == "stopped") return Error::make(Errc::kNotFound, "container not running");
  if (all) {
    auto mgr = TRY(cgroup::open_recorded(s.cgroup));
    for (pid_t p : TRY(mgr->processes())) ::kill(p, sig);
    return {};
  }
  if (::kill(s.pid, sig) < 0) return Error::from_errno(errno, fmt::format("kill pid {}", s.pid));
  return {};
}

Result<void> delete_container(const std::string& root, const std::string& id, bool force) {
  auto loaded = load_state(root, id);
  if (!loaded.ok()) {
    // A create killed before its first state file leaves at most an empty directory.
    if (force && loaded.error().code() == Errc::kNotFound)
      return sys::remove_all(state_dir(root, id));
    return std::move(loaded).error();
  }
  ContainerState s = std::move(loaded).value();
  auto mgr = TRY(cgroup::open_recorded(s.cgroup));
  if (s.status != "stopped") {
    if (!force)
      return Error::make(
          Errc::kInvalidArgument,
          fmt::format("cannot delete container {} that is not stopped: {}", id, s.status));
    if (s.status == "paused") (void)mgr->freeze(false);
    ::kill(s.pid, SIGKILL);
  }
  // Whatever else is left in the cgroup goes too (a pid namespace's init takes its
  // children with it, but a container without one leaves them).
  for (int i = 0; i < 500; ++i) {
    auto procs = TRY(mgr->processes());
    if (procs.empty()) break;
    for (pid_t p : procs) ::kill(p, SIGKILL);
    ::usleep(10000);
  }
  TRY(mgr->destroy());
  TRY(sys::remove_all(state_dir(root, id)));
  run_hooks_warn(bundle_hooks(s).poststop, hook_state(s, "stopped"), "poststop");
  return {};
}

Result<void> pause_container(const std::string& root, const std::string& id, bool pause) {
  ContainerState s = TRY(load_state(root, id));
  if (pause && s.status != "running")
    return Error::make(Errc::kInvalidArgument, fmt::format("container not running: {}", s.status));
  if (!pause && s.status != "paused")
    return Error::make(Errc::kInvalidArgument, fmt::format("container not paused: {}", s.status));
  auto mgr = TRY(cgroup::open_recorded(s.cgroup));
  return mgr->freeze(pause);
}

int parse_signal(std::string_view s) {
  static constexpr std::pair<const char*, int> kSignals[] = {
      {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},   {"ILL", SIGILL},
      {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"BUS", SIGBUS},     {"FPE", SIGFPE},
      {"KILL", SIGKILL},     {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},
      {"PIPE", SIGPIPE},     {"ALRM", SIGALRM}, {"TERM", SIGTERM},   {"CHLD", SIGCHLD},
      {"CONT", SIGCONT},     {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},
      {"TTOU", SIGTTOU},     {"URG", SIGURG},   {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},
      {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
      {"PWR", SIGPWR},       {"SYS", SIGSYS}};
  if (!s.empty() && std::all_of(s.begin(), s.end(), ::isdigit)) {
    int n = std::atoi(std::string(s).c_str());
    return n > 0 && n < 65 ? n : -1;
  }
  if (s.starts_with("SIG")) s.remove_prefix(3);
  for (const auto& [name, n] : kSignals)
    if (s == name) return n;
  return -1;
}

void ensure_sealed_self(char** argv) {
  if (running_sealed()) return;  // already running from the copy
  int self = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) return;
  UniqueFd self_guard(self);
  struct stat st;
  if (::fstat(self, &st) < 0) return;
  int mem = static_cast<int>(::memfd_create("strata-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (mem < 0) return;
  off_t off = 0;
  while (off < st.st_size)
    if (::sendfile(mem, self, &off, static_cast<size_t>(st.st_size - off)) <= 0) return;
  if (::fcntl(mem, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
    return;
  ::fexecve(mem, argv, environ);
  // Falling through (fexecve failed) runs unprotected; the caller checks running_sealed().
}

bool running_sealed() {
  int self = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) return false;
  int seals = ::fcntl(self, F_GET_SEALS);
  ::close(self);
  constexpr int kWant = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
  return seals >= 0 && (seals & kWant) == kWant;
}

}  // namespace strata::runtime
