// SPDX-License-Identifier: Apache-2.0
// The order of the init's steps (and an exec'd process's), each a short function in
// mounts.cc or process.cc. A failing step becomes an error record for the parent.
#include "runtime/init/init.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "runtime/init/hook.h"
#include "runtime/init/init_internal.h"
#include "runtime/init/sync.h"
#include "sys/io.h"
#include "util/strings.h"
#include "util/unique_fd.h"

namespace strata::runtime::init {

namespace {

[[noreturn]] void fail(int sync, const Failure& f) { fail_and_exit(sync, f.err, f.what); }

// After ready the parent is gone: stderr is all that is left to tell.
[[noreturn]] void die(std::string_view what, int err) {
  std::string msg = err != 0
                        ? fmt::format("strata-runtime: init: {}: {}\n", what, std::strerror(err))
                        : fmt::format("strata-runtime: {}\n", what);
  (void)sys::write_all(2, msg);
  _exit(1);
}

// Waits for kGo; returns what came with it (at most kMaxGoPayloadBytes). A parent
// that gave up closed the socket.
std::string await_go(int sync) {
  std::string payload;
  if (!recv_go(sync, &payload)) _exit(1);
  return payload;
}

// Step 0: into the cgroups, before anything else (single-threaded: "0" is this thread).
Step join_cgroups(const InitFds& fds) {
  for (int fd : fds.cgroup_join) {
    INIT_CHECK(sys::write_all(fd, "0"), "join cgroup");
    ::close(fd);
  }
  return std::nullopt;
}

// Step 1: namespaces to join (new ones were made by clone), a cgroup namespace rooted
// at the cgroup just joined, root in a user namespace, a session of our own.
Step enter_namespaces(const LaunchPlan& plan) {
  for (const auto& [flag, path] : plan.join_namespaces) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    INIT_CHECK(fd.get(), "open namespace {}", printable(path));
    INIT_CHECK(::setns(fd.get(), flag), "join namespace {}", printable(path));
  }
  if (plan.unshare_cgroupns) INIT_CHECK(::unshare(CLONE_NEWCGROUP), "new cgroup namespace");
  if (plan.userns) {
    INIT_CHECK(::setresgid(0, 0, 0), "become gid 0 in the user namespace");
    INIT_CHECK(::setresuid(0, 0, 0), "become uid 0 in the user namespace");
  }
  INIT_CHECK(::setsid(), "setsid");
  return std::nullopt;
}

// Hooks between mounts and pivot_root: the parent's (prestart, createRuntime), then
// createContainer here, in the container's namespaces with the host's paths.
Step creation_hooks(const LaunchPlan& plan, int sync, const std::string& state) {
  if (plan.parent_hooks) {
    INIT_CHECK(sys::write_all(sync, std::string_view(&kHooks, 1)), "ask for runtime hooks");
    char answer = 0;
    if (::read(sync, &answer, 1) != 1 || answer != kGo) _exit(1);
  }
  if (auto r = run_hooks(plan.create_container_hooks, state, "createContainer"); !r.ok())
    return Failure{0, r.error().message()};
  return std::nullopt;
}

Step setup_container(const LaunchPlan& plan, const InitFds& fds, int proc_fds,
                     const std::string& state, Program* program) {
  INIT_STEP(join_cgroups(fds));
  INIT_STEP(enter_namespaces(plan));
  // 2. mounts, on fds inside the rootfs; 3. hooks; 4. pivot_root.
  int root_fd = -1;
  INIT_STEP(build_rootfs(plan, &root_fd));
  UniqueFd root(root_fd);
  INIT_STEP(creation_hooks(plan, fds.sync, state));
  INIT_STEP(enter_rootfs(plan, root.get()));
  root.reset();
  // 5. hostname, sysctl (before /proc/sys turns read-only), rlimits, oom score, umask;
  //    then masked and read-only paths, read-only rootfs.
  INIT_STEP(process_settings(plan));
  INIT_STEP(mask_and_protect(plan));
  // From here the container outlives `create` (a parent that dies now fails our
  // ready message with EPIPE, and SIGPIPE ends us); the filter may refuse prctl.
  INIT_CHECK(::prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0), "clear the parent death signal");
  return setup_process(plan, fds, proc_fds, program);
}

void set_not_dumpable() {
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) _exit(1);
}

// Blocks until `start` opens the exec fifo for reading, reopening our O_PATH fd of it
// through our own fd table (/proc/self/fd, opened before /proc changed).
void wait_for_start(int proc_fds, int exec_fifo) {
  if (exec_fifo < 0) return;
  UniqueFd w(::openat(proc_fds, std::to_string(exec_fifo).c_str(), O_WRONLY | O_CLOEXEC));
  if (!w.valid()) die("open exec fifo", errno);
  if (sys::write_all(w.get(), "0") < 0) die("write exec fifo", errno);
}

}  // namespace

void run_init(const LaunchPlan& plan, const InitFds& fds, pid_t parent) noexcept {
  // Until it is ready, the init dies with the runtime that made it (a killed create
  // must not leave a half-made container behind). In a new pid namespace getppid() is
  // 0; a parent that died before this point then shows as EOF on the sync socket.
  pid_t pp = ::getppid();
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || (pp != 0 && pp != parent)) _exit(1);
  // Until execve (which resets it) the init holds the host's root, cwd and /proc fds:
  // not dumpable, no other process may follow /proc/<init>/{fd/N,root,cwd} (runc does
  // the same). Without it, a process exec'd into a created container reaches the host's
  // /proc through /proc/1/fd/N (CVE-2024-21626's class). In a new user namespace only
  // once the parent has written our id maps: a rootless parent could not open
  // /proc/<init>/uid_map of a process that is not dumpable.
  if (!plan.new_userns) set_not_dumpable();
  std::string state = await_go(fds.sync);  // for hooks
  if (plan.new_userns) set_not_dumpable();
  UniqueFd proc_fds(::open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!proc_fds.valid()) fail(fds.sync, {errno, "open /proc/self/fd"});
  Program program;
  if (auto f = setup_container(plan, fds, proc_fds.get(), state, &program)) fail(fds.sync, *f);
  // The filter is loaded: from here only what the spec orders before the program.
  if (sys::write_all(fds.sync, std::string_view(&kReady, 1)) < 0) _exit(1);
  wait_for_start(proc_fds.get(), fds.exec_fifo);
  // startContainer hooks run in the container, after start, before the program.
  if (auto r = run_hooks(plan.start_container_hooks, state, "startContainer"); !r.ok())
    die(r.error().message(), 0);
  exec_program(program);
}

void run_exec(const LaunchPlan& plan, const InitFds& fds) noexcept {
  set_not_dumpable();        // as the init, until execve
  (void)await_go(fds.sync);  // exec sends no payload
  if (auto f = join_cgroups(fds)) fail(fds.sync, *f);
  // The init's root (its pivot_root, chroot or --no-pivot root), whatever the mount
  // namespace's own root is.
  if (::fchdir(fds.root) < 0 || ::chroot(".") < 0)
    fail(fds.sync, {errno, "enter the container's root"});
  // A session of its own: a terminal can only become the controlling tty of a leader.
  if (::setsid() < 0) fail(fds.sync, {errno, "setsid"});
  if (auto f = process_settings(plan)) fail(fds.sync, *f);
  Program program;
  if (auto f = setup_process(plan, fds, -1, &program)) fail(fds.sync, *f);
  exec_program(program);  // the sync socket closes on exec: EOF means it ran
}

}  // namespace strata::runtime::init
