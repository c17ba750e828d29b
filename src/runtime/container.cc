// SPDX-License-Identifier: Apache-2.0
#include "runtime/container.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <ctime>
#include <optional>

#include "runtime/cgroup/cgroup.h"
#include "runtime/cgroup/devices.h"
#include "runtime/cgroup/limits.h"
#include "runtime/init/hook.h"
#include "runtime/init/init.h"
#include "runtime/init/sync.h"
#include "runtime/process.h"
#include "runtime/spawn.h"
#include "sys/fs.h"
#include "sys/pidfd.h"
#include "sys/signals.h"
#include "util/defer.h"
#include "util/log.h"
#include "util/strings.h"

namespace strata::runtime {

namespace {

// The state JSON hooks get on stdin (runtime-spec runtime.md "State").
std::string hook_state(const ContainerState& s, const char* status) {
  return oci::dump_json(state_json(with_status(s, status)));
}

// Hooks named in the bundle's config.json, for start (poststart) and delete (poststop).
RuntimeHooks bundle_hooks(const ContainerState& s) {
  auto text = sys::read_file(s.bundle + "/config.json");
  if (!text.ok()) return {};
  auto spec = oci::parse_spec(*text);
  if (!spec.ok()) return {};
  return {{}, {}, to_hooks(spec->hooks.poststart), to_hooks(spec->hooks.poststop)};
}

// poststart and poststop failures are warnings (runtime-spec config.md "Hooks").
void run_hooks_warn(const std::vector<init::Hook>& hooks, const std::string& state,
                    const char* stage) {
  for (const auto& h : hooks) {
    auto r = init::run_hook(h, state);
    if (!r.ok()) log::warn("{} hook: {}", stage, r.error().message());
  }
}

// Everything create decides before it touches disk or the kernel.
struct Prepared {
  std::string bundle;
  oci::RuntimeSpec spec;
  std::unique_ptr<cgroup::Manager> cg;  // where the cgroup will be; nothing made yet
  CompiledSpec compiled;
};

// The state create starts from; the init's pid and the times come later.
ContainerState initial_state(const Prepared& p, const std::string& id) {
  ContainerState s;
  s.oci_version = p.spec.oci_version;
  s.id = id;
  s.bundle = p.bundle;
  s.rootfs = p.compiled.plan.rootfs;
  s.annotations = p.spec.annotations;
  return s;
}

// The state JSON travels to the init for its hooks (annotations and all), which takes
// at most kMaxGoPayloadBytes: a bigger one is refused before anything is made.
Result<void> check_state_size(const Prepared& p, const std::string& id) {
  ContainerState s = initial_state(p, id);
  s.pid = INT_MAX;  // the widest pid
  size_t size = hook_state(s, "creating").size();
  if (size <= init::kMaxGoPayloadBytes) return {};
  return Error::make(Errc::kInvalidArgument,
                     fmt::format("annotations: the container state would be {} bytes with them; "
                                 "at most {} bytes (4 MiB)",
                                 size, init::kMaxGoPayloadBytes));
}

Result<Prepared> prepare_create(const CreateOptions& o) {
  TRY(check_id(o.id));
  TRY(check_preserved_fds(o.preserve_fds));
  Prepared p;
  char real[PATH_MAX];
  if (::realpath(o.bundle.c_str(), real) == nullptr)
    return Error::from_errno(errno, fmt::format("bundle `{}`", printable(o.bundle)));
  p.bundle = real;
  std::string text = TRY(sys::read_file(p.bundle + "/config.json"));
  p.spec = TRY_CTX(oci::parse_spec(text), "{}/config.json", printable(p.bundle));
  if (p.spec.process.terminal && o.console_socket.empty())
    return Error::make(Errc::kInvalidArgument, "process.terminal needs --console-socket");
  p.cg = TRY(cgroup::open(p.spec.cgroups_path, o.id));
  p.compiled = TRY(compile_spec(p.spec, p.bundle, p.cg->view()));
  TRY(cgroup::check_limit_fields(p.spec.resources, p.cg->view().v2));
  p.compiled.plan.preserve_fds = o.preserve_fds;
  p.compiled.plan.no_pivot = o.no_pivot;
  TRY(check_state_size(p, o.id));
  return p;
}

Result<void> make_state_dir(const std::string& root, const std::string& id) {
  TRY(sys::mkdir_p(root, 0700));
  std::string dir = state_dir(root, id);
  if (::mkdir(dir.c_str(), 0700) < 0) {
    if (errno == EEXIST)
      return Error::make(Errc::kExists, fmt::format("container with id exists: {}", id));
    return Error::from_errno(errno, fmt::format("mkdir `{}`", dir));
  }
  return {};
}

// The IDs of the containers under `root` (directories with a state.json), sorted.
Result<std::vector<std::string>> container_ids(const std::string& root) {
  std::vector<std::string> ids;
  DIR* d = ::opendir(root.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return ids;
    return Error::from_errno(errno, fmt::format("opendir `{}`", root));
  }
  Defer close_dir([&] { ::closedir(d); });
  while (struct dirent* de = ::readdir(d)) {
    std::string n = de->d_name;
    if (n != "." && n != ".." && sys::exists(root + "/" + n + "/state.json")) ids.push_back(n);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

// A cgroup directory of the container that is, or nests with, one another records.
struct Overlap {
  const char* how;  // "same", "below" or "above"
  std::string dir, theirs;
};

// How `dir` lies to `other`: the same, below it, above it, or apart (nullptr: a
// sibling, or a name that only shares a prefix).
const char* nesting(const std::string& dir, const std::string& other) {
  if (dir.empty() || other.empty()) return nullptr;
  if (dir == other) return "same";
  if (dir.starts_with(other + "/")) return "below";
  if (other.starts_with(dir + "/")) return "above";
  return nullptr;
}

std::optional<Overlap> overlap(const CgroupView& v, const CgroupView& other) {
  if (v.v2 != other.v2) return std::nullopt;
  if (v.v2) {
    if (const char* how = nesting(v.v2_dir, other.v2_dir))
      return Overlap{how, v.v2_dir, other.v2_dir};
    return std::nullopt;
  }
  for (const auto& [ctrl, dir] : v.v1_dirs)
    if (auto it = other.v1_dirs.find(ctrl); it != other.v1_dirs.end())
      if (const char* how = nesting(dir, it->second)) return Overlap{how, dir, it->second};
  return std::nullopt;
}

// Two containers may not share a cgroup (an empty one left by a stopped container can
// be joined), nor nest: the delete or kill --all of one would reach the other's
// processes, and `pause` of the outer would freeze the inner. Only the recorded
// cgroups are read, not each container's status. The caller holds the root's lock.
Result<void> check_cgroup_unclaimed(const std::string& root, const std::string& id,
                                    const CgroupView& v) {
  for (const auto& other_id : TRY(container_ids(root))) {
    if (other_id == id) continue;
    auto recorded = load_recorded_cgroup(root, other_id);
    if (!recorded.ok()) continue;  // a damaged state file claims nothing it can prove
    auto o = overlap(v, *recorded);
    if (!o) continue;
    if (std::string_view(o->how) == "same")
      return Error::make(Errc::kExists,
                         fmt::format("linux.cgroupsPath: cgroup `{}` is container {}'s",
                                     printable(o->dir), other_id));
    return Error::make(
        Errc::kExists,
        fmt::format("linux.cgroupsPath: cgroup `{}` is {} container {}'s cgroup `{}`",
                    printable(o->dir), o->how, other_id, printable(o->theirs)));
  }
  return {};
}

// An exclusive flock on the state root directory itself (a lock file would take a
// name a container ID may have). Held from check_cgroup_unclaimed until the state file
// records the claim, so two creates cannot both find a cgroup unclaimed.
Result<UniqueFd> lock_root(const std::string& root) {
  UniqueFd fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return Error::from_errno(errno, fmt::format("open `{}`", root));
  while (::flock(fd.get(), LOCK_EX) < 0)
    if (errno != EINTR) return Error::from_errno(errno, fmt::format("lock `{}`", root));
  return fd;
}

// The first state file names the cgroup directories about to be made (pid 0: status
// "stopped"), so that `delete --force` finds them after a create killed at any later
// point, and claims the cgroup for check_cgroup_unclaimed; then the cgroup, and the
// state again with what was really made.
Result<void> make_cgroup(const std::string& root, Prepared* p, ContainerState* s) {
  {
    UniqueFd lock = TRY(lock_root(root));
    TRY(check_cgroup_unclaimed(root, s->id, p->cg->view()));
    s->cgroup = p->cg->view();
    s->cgroup.created = p->cg->planned_dirs();
    TRY(save_state(root, *s));
  }
  oci::Resources resources = p->spec.resources;
  // Rootless: no devices cgroup to write (v1) nor BPF to load (v2); a user namespace
  // cannot make device nodes anyway (runc skips them too).
  bool rootless = ::geteuid() != 0;
  if (!rootless) resources.devices = cgroup::device_rules(p->spec);
  auto made = p->cg->create(resources);
  if (!made.ok()) {
    // Rootless: without write access to the cgroup tree, a container that asks for no
    // limits runs without a cgroup of its own (runc's rule).
    if (!rootless || made.error().code() != Errc::kPermission || p->spec.resources.any())
      return std::move(made).error().context(rootless ? "rootless: create cgroup"
                                                      : "create cgroup");
    p->cg = cgroup::none();
    set_cgroup_view(&p->compiled.plan, p->cg->view());
  }
  s->cgroup = p->cg->view();
  return save_state(root, *s);
}

// The descriptors the init is started with, all close-on-exec.
struct InitLaunch {
  UniqueFd fifo, console, parent_end, child_end;
  cgroup::Manager::Entry entry;
  init::InitFds fds;
};

Result<InitLaunch> open_launch(const std::string& dir, const Prepared& p, const CreateOptions& o) {
  InitLaunch l;
  std::string fifo = dir + "/exec.fifo";
  if (::mkfifo(fifo.c_str(), 0622) < 0)
    return Error::from_errno(errno, fmt::format("mkfifo `{}`", fifo));
  // Past the umask: the init writes to it after dropping to the container's user. Only
  // root can reach it (the state directory is 0700).
  if (::chmod(fifo.c_str(), 0622) < 0)
    return Error::from_errno(errno, fmt::format("chmod `{}`", fifo));
  l.fifo.reset(::open(fifo.c_str(), O_PATH | O_CLOEXEC));
  if (!l.fifo.valid()) return Error::from_errno(errno, fmt::format("open `{}`", fifo));
  if (p.spec.process.terminal) l.console = TRY(connect_console(o.console_socket));
  std::tie(l.parent_end, l.child_end) = TRY(sync_pair());
  l.entry = TRY(p.cg->open_entry());
  l.fds = {l.child_end.get(), l.fifo.get(), l.console.get(), -1, {}};
  for (const auto& fd : l.entry.self_join) l.fds.cgroup_join.push_back(fd.get());
  return l;
}

// Joins the user, pid and time namespaces to join, and makes a new time namespace, in a
// short-lived process, which clones the init with CLONE_PARENT (so this process still
// reaps it) and reports its pid.
Result<init::Cloned> clone_via_joiner(const LaunchPlan& plan, InitLaunch& l, pid_t self) {
  pid_t joiner = ::fork();
  if (joiner < 0) return Error::from_errno(errno, "fork");
  // The child runs on a copy of our stack: no exception may unwind into our frames
  // (their Defers would undo the create from the child), so it runs noexcept.
  if (joiner == 0)
    [&]() noexcept {
      l.parent_end.reset();
      int sock = l.child_end.get();
      for (const auto& [flag, path] : plan.prejoin_namespaces) {
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || ::setns(fd, flag) < 0)
          init::report_clone(sock, -1, false, fmt::format("join namespace {}", printable(path)));
      }
      if (plan.new_timens) {
        if (::unshare(CLONE_NEWTIME) < 0)
          init::report_clone(sock, -1, false, "linux.namespaces: new time namespace");
        if (!plan.time_offsets.empty() &&
            !sys::write_existing_file("/proc/self/timens_offsets", plan.time_offsets).ok())
          init::report_clone(sock, -1, false, "linux.timeOffsets: write /proc/self/timens_offsets");
      }
      bool placed = false;
      long c = clone_child(static_cast<unsigned long>(plan.clone_flags) | CLONE_PARENT,
                           l.entry.clone_into.get(), &placed);
      if (c == 0) init::run_init(plan, l.fds, self);
      init::report_clone(sock, c, placed, "clone into the new namespaces");
    }();
  return await_child(joiner, l.parent_end.get(), "the namespace joiner");
}

// A fork-like clone into the new namespaces (this process is single-threaded).
Result<init::Cloned> spawn_init(const LaunchPlan& plan, InitLaunch& l) {
  pid_t self = ::getpid();
  if (needs_joiner(plan)) return clone_via_joiner(plan, l, self);
  init::Cloned c;
  long rc = clone_child(static_cast<unsigned long>(plan.clone_flags), l.entry.clone_into.get(),
                        &c.placed);
  if (rc < 0) return Error::from_errno(errno, "clone into the new namespaces");
  if (rc == 0) {
    l.parent_end.reset();
    init::run_init(plan, l.fds, self);
  }
  c.pid = static_cast<pid_t>(rc);
  return c;
}

// Id maps and cgroup, then the hand-shake until the init is ready: prestart and
// createRuntime hooks when it asks, seccomp listener fds to the agent.
Result<void> await_ready(const Prepared& p, const ContainerState& s, InitLaunch& l,
                         const init::Cloned& c) {
  if (p.compiled.plan.new_userns) TRY(write_id_maps(c.pid, p.spec));
  TRY_CTX(p.cg->admit(c.pid, l.entry, c.placed), "join cgroup");
  std::string creating = hook_state(s, "creating");
  ChildRequests requests;
  requests.hooks = [&]() -> Result<void> {
    TRY(init::run_hooks(p.compiled.hooks.prestart, creating, "prestart"));
    return init::run_hooks(p.compiled.hooks.create_runtime, creating, "createRuntime");
  };
  requests.seccomp_fd = [&](const UniqueFd& fd) {
    return hand_listener(p.compiled.agent, state_json(with_status(s, "creating")), c.pid, fd);
  };
  if (TRY(hand_shake(l.parent_end.get(), creating, requests)) != ChildOutcome::kReady)
    return Error::make(Errc::kInternal, "container init exited before it was ready");
  return {};
}

// The init is ready: its start time (against pid reuse) and the creation time go into
// the state, and its pid into --pid-file.
Result<void> record_created(const std::string& root, ContainerState* s,
                            const std::string& pid_file) {
  auto st = read_proc_stat(s->pid);
  if (!st.ok()) return std::move(st).error().context("read the init's start time");
  s->start_time = st->start_time;
  struct timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);
  s->created = format_rfc3339(now.tv_sec, now.tv_nsec);
  TRY(save_state(root, *s));
  if (!pid_file.empty()) TRY(sys::write_file_atomic(pid_file, std::to_string(s->pid), 0644));
  return {};
}

// Kills what is left in the cgroup and the cgroups below it (a pid namespace's init
// takes its children with it, but a container without one leaves them) until it is
// empty.
Result<void> empty_cgroup(cgroup::Manager& cg) {
  for (int i = 0; i < 500; ++i) {
    if (TRY(cg.processes()).empty()) return {};
    TRY(signal_cgroup(cg, SIGKILL));
    ::usleep(10000);
  }
  return {};  // destroy() reports what stayed
}

// Removes a stopped (or force-killed) container: what is left in its cgroup, the
// cgroup directories it made, its state directory; then its poststop hooks.
Result<void> remove_container(const std::string& root, const ContainerState& s, bool kill) {
  auto mgr = cgroup::open_recorded(s.cgroup);
  // A recorded cgroup outside any hierarchy (a hand-edited state.json) is never touched;
  // --force still removes the rest.
  if (!mgr.ok() && !kill) return std::move(mgr).error();
  if (!mgr.ok()) log::warn("delete --force: {} (its cgroup is left alone)", mgr.error().message());
  if (kill && s.status != "stopped") {
    if (s.status == "paused" && mgr.ok()) (void)(*mgr)->freeze(false);  // a frozen init cannot die
    if (auto init = open_process(s.pid, s.start_time); init.ok())
      (void)sys::pidfd_send_signal(init->get(), SIGKILL);  // gone meanwhile: fine
  }
  if (mgr.ok()) {
    TRY(empty_cgroup(**mgr));
    TRY((*mgr)->destroy());
  }
  TRY(sys::remove_all(state_dir(root, s.id)));
  run_hooks_warn(bundle_hooks(s).poststop, hook_state(s, "stopped"), "poststop");
  return {};
}

}  // namespace

Result<void> check_preserved_fds(int n) {
  constexpr int kMax = 1 << 20;
  if (n < 0 || n > kMax)
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("--preserve-fds {}: want a count from 0 to {}", n, kMax));
  std::vector<int> closed;
  for (int fd = 3; fd < 3 + n; ++fd)
    if (::fcntl(fd, F_GETFD) < 0) closed.push_back(fd);
  if (closed.empty()) return {};
  std::string list;
  for (size_t i = 0; i < closed.size() && i < 8; ++i)
    list += (i == 0 ? "" : ", ") + std::to_string(closed[i]);
  if (closed.size() > 8) list += fmt::format(", ... ({} in all)", closed.size());
  return Error::make(
      Errc::kInvalidArgument,
      fmt::format("--preserve-fds {}: {} {} not open", n, closed.size() == 1 ? "fd" : "fds",
                  list + (closed.size() == 1 ? " is" : " are")));
}

Result<pid_t> create_container(const std::string& root, const CreateOptions& o) {
  // 1. Nothing is made before everything is parsed and compiled.
  Prepared p = TRY(prepare_create(o));
  // 2. The state directory, the cgroup, the fds.
  TRY(make_state_dir(root, o.id));
  std::string dir = state_dir(root, o.id);
  Defer remove_dir([&] { (void)sys::remove_all(dir); });
  ContainerState s = initial_state(p, o.id);
  TRY(make_cgroup(root, &p, &s));
  Defer remove_cgroup([&] { (void)p.cg->destroy(); });
  InitLaunch l = TRY(open_launch(dir, p, o));
  // 3. The init, and the hand-shake until it is ready.
  init::Cloned c = TRY(spawn_init(p.compiled.plan, l));
  l.child_end.reset();
  l.console.reset();
  Defer kill_child([&] {
    ::kill(c.pid, SIGKILL);  // our own child, not yet reaped: its pid cannot be reused
    ::waitpid(c.pid, nullptr, 0);
  });
  s.pid = c.pid;
  TRY(await_ready(p, s, l, c));
  TRY(record_created(root, &s, o.pid_file));
  kill_child.cancel();
  remove_cgroup.cancel();
  remove_dir.cancel();
  return c.pid;
}

Result<void> start_container(const std::string& root, const std::string& id) {
  ContainerState s = TRY(load_state(root, id));
  if (s.status != "created")
    return Error::make(
        Errc::kInvalidArgument,
        fmt::format("cannot start a container that is {} (only a created one)", s.status));
  std::string fifo = state_dir(root, id) + "/exec.fifo";
  UniqueFd fd(::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) return Error::from_errno(errno, fmt::format("open `{}`", fifo));
  // The init opens its end as soon as ours exists and writes one byte; poll, so that an
  // init that died meanwhile is an error and not a hang.
  while (true) {
    struct pollfd pfd = {fd.get(), POLLIN, 0};
    int r = ::poll(&pfd, 1, 100);
    if (r < 0 && errno != EINTR) return Error::from_errno(errno, "poll exec fifo");
    char c;
    if (r > 0 && (pfd.revents & POLLIN) && ::read(fd.get(), &c, 1) == 1) break;
    if (!process_alive(s.pid, s.start_time))
      return Error::make(Errc::kNotFound, "container init exited before start");
  }
  ::unlink(fifo.c_str());
  run_hooks_warn(bundle_hooks(s).poststart, hook_state(s, "running"), "poststart");
  return {};
}

Result<std::vector<ContainerState>> list_containers(const std::string& root) {
  std::vector<ContainerState> out;
  for (const auto& id : TRY(container_ids(root))) {
    auto s = load_state(root, id);
    if (s.ok())
      out.push_back(std::move(s).value());
    else  // one damaged container does not hide the others
      log::warn("list: {}", s.error().message());
  }
  return out;
}

Result<void> kill_container(const std::string& root, const std::string& id, int sig, bool all) {
  ContainerState s = TRY(load_state(root, id));
  if (s.status == "stopped") return Error::make(Errc::kNotFound, "container not running");
  if (all) {
    auto mgr = TRY(cgroup::open_recorded(s.cgroup));
    TRY(signal_cgroup(*mgr, sig));
    return {};
  }
  auto init = open_process(s.pid, s.start_time);
  if (!init.ok()) return Error::make(Errc::kNotFound, "container not running");
  return sys::pidfd_send_signal(init->get(), sig);
}

Result<void> delete_container(const std::string& root, const std::string& id, bool force) {
  auto loaded = load_state(root, id);
  if (!loaded.ok()) {
    if (!force) return std::move(loaded).error();
    // A create killed before its first state file leaves at most an empty directory.
    if (loaded.error().code() == Errc::kNotFound) return sys::remove_all(state_dir(root, id));
    // A damaged state file: clean up what its readable fields name (the cgroup finds
    // the processes). Swallowed: --force asked to remove the container regardless.
    Error damage = Error::make(Errc::kInternal, "");
    ContainerState s = salvage_state(root, id, &damage);
    log::warn("delete --force: {} (removing what it still names)", damage.message());
    return remove_container(root, s, true);
  }
  ContainerState s = std::move(loaded).value();
  if (s.status != "stopped" && !force)
    return Error::make(
        Errc::kInvalidArgument,
        fmt::format("cannot delete container {} that is not stopped: {}", id, s.status));
  return remove_container(root, s, force);
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

int parse_signal(std::string_view s) { return sys::signal_number(s); }

}  // namespace strata::runtime
