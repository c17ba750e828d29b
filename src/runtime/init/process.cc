// SPDX-License-Identifier: Apache-2.0
// The init's process steps, shared with exec'd processes: settings, console, program
// lookup, file descriptors, seccomp, user and capabilities.
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/init/init_internal.h"
#include "runtime/init/sync.h"
#include "sys/io.h"
#include "sys/unix_socket.h"
#include "util/strings.h"
#include "util/unique_fd.h"

namespace strata::runtime::init {

namespace {

Step write_proc(const std::string& path, const std::string& value) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  INIT_CHECK(fd.get(), "open {}", printable(path));
  INIT_CHECK(sys::write_all(fd.get(), value), "write {}", printable(path));
  return std::nullopt;
}

int capset_all(const CapSets& c) {
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {};
  data[0].effective = static_cast<uint32_t>(c.effective);
  data[1].effective = static_cast<uint32_t>(c.effective >> 32);
  data[0].permitted = static_cast<uint32_t>(c.permitted);
  data[1].permitted = static_cast<uint32_t>(c.permitted >> 32);
  data[0].inheritable = static_cast<uint32_t>(c.inheritable);
  data[1].inheritable = static_cast<uint32_t>(c.inheritable >> 32);
  return static_cast<int>(::syscall(SYS_capset, &hdr, data));
}

// The highest capability this kernel knows.
int last_cap() {
  for (int c = 0; c <= 63; ++c)
    if (::prctl(PR_CAPBSET_READ, c, 0, 0, 0) < 0) return c - 1;
  return CAP_LAST_CAP;
}

// Whether `fd` is one of the runtime's own descriptors in the preserved range.
bool in_preserved_range(int fd, const LaunchPlan& plan) {
  return fd >= 3 && fd < 3 + plan.preserve_fds;
}

}  // namespace

Step process_settings(const LaunchPlan& plan) {
  if (plan.set_hostname) {
    if (!plan.hostname.empty())
      INIT_CHECK(::sethostname(plan.hostname.data(), plan.hostname.size()), "sethostname");
    if (!plan.domainname.empty())
      INIT_CHECK(::setdomainname(plan.domainname.data(), plan.domainname.size()), "setdomainname");
  }
  for (const auto& [path, value] : plan.sysctl) INIT_STEP(write_proc("/proc/sys/" + path, value));
  for (const auto& r : plan.rlimits) {
    struct rlimit rl = {r.soft, r.hard};
    INIT_CHECK(::setrlimit(r.resource, &rl), "setrlimit {} (soft {}, hard {})", r.name, r.soft,
               r.hard);
  }
  if (plan.oom_score_adj)
    INIT_STEP(write_proc("/proc/self/oom_score_adj", std::to_string(*plan.oom_score_adj)));
  if (plan.user.umask) ::umask(*plan.user.umask);
  if (plan.personality_linux32) INIT_CHECK(::personality(PER_LINUX32), "personality LINUX32");
  return std::nullopt;
}

Step become_user(const LaunchPlan& plan) {
  CapSets caps = plan.caps.value_or(CapSets{});
  int last = last_cap();
  // Bounding drops need CAP_SETPCAP, so they come before the uid change.
  for (int c = 0; c <= last; ++c)
    if (!(caps.bounding & (uint64_t{1} << c)))
      INIT_CHECK(::prctl(PR_CAPBSET_DROP, c, 0, 0, 0), "drop bounding capability {}", c);
  INIT_CHECK(::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), "keep capabilities");
  std::vector<gid_t> groups(plan.user.additional_gids.begin(), plan.user.additional_gids.end());
  // In a user namespace made by an unprivileged runtime setgroups is denied; with no
  // additional groups there is nothing to set.
  if (::setgroups(groups.size(), groups.data()) < 0 && !(errno == EPERM && groups.empty()))
    return Failure{errno, "setgroups"};
  INIT_CHECK(::setresgid(plan.user.gid, plan.user.gid, plan.user.gid), "setgid {}", plan.user.gid);
  INIT_CHECK(::setresuid(plan.user.uid, plan.user.uid, plan.user.uid), "setuid {}", plan.user.uid);
  INIT_CHECK(::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0), "clear keep capabilities");
  INIT_CHECK(capset_all(caps), "capset");
  INIT_CHECK(::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0),
             "clear ambient capabilities");
  // The kernel takes an ambient capability only if it is permitted and inheritable; runc's
  // own default spec lists ambient ones that are not inheritable, so those are skipped.
  uint64_t raisable = caps.ambient & caps.permitted & caps.inheritable;
  for (int c = 0; c <= last; ++c)
    if (raisable & (uint64_t{1} << c))
      INIT_CHECK(::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0),
                 "raise ambient capability {}", c);
  return std::nullopt;
}

Step setup_console(const LaunchPlan& plan, int console) {
  UniqueFd master(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
  INIT_CHECK(master.get(), "console: open /dev/ptmx");
  int unlock = 0;
  INIT_CHECK(::ioctl(master.get(), TIOCSPTLCK, &unlock), "console: unlock pty");
  UniqueFd peer(::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
  INIT_CHECK(peer.get(), "console: open pty peer");
  if (plan.console_size) {
    struct winsize ws = {};
    ws.ws_row = plan.console_size->first;
    ws.ws_col = plan.console_size->second;
    INIT_CHECK(::ioctl(peer.get(), TIOCSWINSZ, &ws), "console: set size");
  }
  INIT_CHECK(::fchown(peer.get(), plan.user.uid, static_cast<gid_t>(-1)), "console: chown pty");
  if (plan.bind_console) INIT_STEP(bind_console(peer.get()));
  // The master goes to the console socket (SCM_RIGHTS, as runc sends it); the peer
  // becomes the controlling terminal and stdio.
  INIT_CHECK(sys::send_with_fd(console, "/dev/ptmx", master.get()), "console: send pty master");
  master.reset();
  ::close(console);
  INIT_CHECK(::ioctl(peer.get(), TIOCSCTTY, 0), "console: set controlling terminal");
  for (int fd = 0; fd < 3; ++fd) INIT_CHECK(::dup2(peer.get(), fd), "console: dup to fd {}", fd);
  if (peer.get() < 3) peer.release();
  return std::nullopt;
}

Step find_program(const LaunchPlan& plan, Program* program) {
  for (const auto& a : plan.args) program->argv.push_back(const_cast<char*>(a.c_str()));
  program->argv.push_back(nullptr);
  for (const auto& e : plan.env) program->envp.push_back(const_cast<char*>(e.c_str()));
  program->envp.push_back(nullptr);
  const std::string& name = plan.args[0];
  if (name.find('/') != std::string::npos) {
    if (::access(name.c_str(), X_OK) < 0)
      return Failure{errno, fmt::format("exec: \"{}\"", printable(name))};
    program->path = name;
    return std::nullopt;
  }
  std::string search = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const auto& e : plan.env)
    if (e.starts_with("PATH=")) search = e.substr(5);
  for (const auto& dir : split(search, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    struct stat st;
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      program->path = candidate;
      return std::nullopt;
    }
  }
  // No errno: the message is the whole story (runc's words).
  return Failure{0,
                 fmt::format("exec: \"{}\": executable file not found in $PATH", printable(name))};
}

Step seal_fds(const LaunchPlan& plan, const InitFds& fds, int proc_fds) {
  // The runtime checked that 0 .. 3+n-1 were open before it opened anything, so none
  // of its own descriptors can sit in the preserved range; a violation is a bug that
  // would hand the container a host fd (CVE-2024-21626), so it stops the start.
  for (int fd : {fds.sync, fds.exec_fifo, fds.console, fds.root, proc_fds})
    if (in_preserved_range(fd, plan))
      return Failure{0, fmt::format("fd {} of the runtime is in the preserved range", fd)};
  unsigned first = static_cast<unsigned>(3 + plan.preserve_fds);
  if (::syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
    // Before Linux 5.11: one fcntl per possible descriptor.
    struct rlimit rl;
    INIT_CHECK(::getrlimit(RLIMIT_NOFILE, &rl), "getrlimit RLIMIT_NOFILE");
    for (unsigned fd = first; fd < rl.rlim_cur; ++fd)
      ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
  }
  for (int fd = 3; fd < 3 + plan.preserve_fds; ++fd)
    INIT_CHECK(::fcntl(fd, F_SETFD, 0), "preserved fd {}", fd);
  return std::nullopt;
}

Step load_seccomp(const LaunchPlan& plan, int sync) {
  if (plan.seccomp_bpf.empty()) return std::nullopt;
  struct sock_fprog prog;
  prog.len = static_cast<unsigned short>(plan.seccomp_bpf.size() / sizeof(struct sock_filter));
  prog.filter = reinterpret_cast<struct sock_filter*>(const_cast<char*>(plan.seccomp_bpf.data()));
  long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, plan.seccomp_flags, &prog);
  INIT_CHECK(rc, "load seccomp filter");
  if (plan.seccomp_flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
    // The listener goes to the parent, which hands it to the agent; notified calls
    // from here on wait for that agent.
    UniqueFd listener(static_cast<int>(rc));
    INIT_CHECK(sys::send_with_fd(sync, std::string_view(&kSeccompFd, 1), listener.get()),
               "send the seccomp listener fd");
  }
  return std::nullopt;
}

Step setup_process(const LaunchPlan& plan, const InitFds& fds, int proc_fds, Program* program) {
  // 6. console; cwd, inside the rootfs by construction (past pivot_root, or chrooted
  //    to the init's root); the program, found while errors still reach the parent.
  if (plan.terminal) INIT_STEP(setup_console(plan, fds.console));
  INIT_CHECK(::chdir(plan.cwd.c_str()), "chdir to cwd {}", printable(plan.cwd));
  INIT_STEP(find_program(plan, program));
  // 7. No fd of the runtime survives exec but stdio and the preserved ones; done
  //    before the filter, which may refuse close_range and fcntl.
  INIT_STEP(seal_fds(plan, fds, proc_fds));
  // 8. Seccomp, user and capabilities, no_new_privs. Without no_new_privs the kernel
  //    takes a filter only from a process with CAP_SYS_ADMIN: it loads before the
  //    capabilities go. With it, the filter loads last (runc's order for both).
  if (!plan.no_new_privileges) {
    INIT_STEP(load_seccomp(plan, fds.sync));
    return become_user(plan);
  }
  INIT_STEP(become_user(plan));
  INIT_CHECK(::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs");
  return load_seccomp(plan, fds.sync);
}

void exec_program(const Program& program) {
  ::execve(program.path.c_str(), program.argv.data(), program.envp.data());
  int err = errno;
  // The parent is gone by now (or, for exec, reads EOF): stderr is all that is left.
  std::string msg = fmt::format("strata-runtime: exec {}: {}\n", program.path, std::strerror(err));
  (void)sys::write_all(2, msg);
  _exit(err == ENOENT ? 127 : 126);
}

}  // namespace strata::runtime::init
