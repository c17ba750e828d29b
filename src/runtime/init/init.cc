// SPDX-License-Identifier: Apache-2.0
// Executes a LaunchPlan inside the new namespaces. Every mount is placed on a file
// descriptor resolved with openat2(RESOLVE_IN_ROOT) from the rootfs (new mount API:
// open_tree, fsopen/fsmount, move_mount, mount_setattr), never on a path string a
// container image could redirect with a symlink.
#include "runtime/init/init.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "runtime/init/hook.h"
#include "sys/unix_socket.h"
#include "util/strings.h"

namespace strata::runtime::init {

namespace {

std::string g_state;  // the state JSON the parent sent with kGo, for hooks

// An init failure: which step, the errno, and the object.
struct Failure {
  int err;
  std::string what;
};

[[noreturn]] void fail(int sync, const Failure& f) {
  std::string rec = fmt::format("E{}:{}", f.err, f.what);
  (void)!::write(sync, rec.data(), rec.size());
  _exit(1);
}

#define INIT_CHECK(expr, ...)                                        \
  do {                                                               \
    if ((expr) < 0) return Failure{errno, fmt::format(__VA_ARGS__)}; \
  } while (0)

using Step = std::optional<Failure>;

int resolve(int root, const std::string& path, int flags) {
  struct open_how how = {};
  how.flags = static_cast<uint64_t>(flags) | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  std::string rel = path;
  while (!rel.empty() && rel[0] == '/') rel.erase(0, 1);
  if (rel.empty()) rel = ".";
  return static_cast<int>(::syscall(SYS_openat2, root, rel.c_str(), &how, sizeof(how)));
}

// Creates the missing components of `path` inside root (directories, and a file at the
// end when file_target), then returns an O_PATH fd of it.
int ensure_path(int root, const std::string& path, bool file_target) {
  int fd = resolve(root, path, O_PATH);
  if (fd >= 0 || errno != ENOENT) return fd;
  auto parts = split(path, '/');
  std::string cur;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty()) continue;
    int parent = resolve(root, cur, O_PATH | O_DIRECTORY);
    if (parent < 0) return -1;
    bool last = i + 1 == parts.size();
    int rc = last && file_target ? ::openat(parent, parts[i].c_str(),
                                            O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644)
                                 : ::mkdirat(parent, parts[i].c_str(), 0755);
    int err = errno;
    if (rc >= 0 && last && file_target) ::close(rc);
    ::close(parent);
    if (rc < 0 && err != EEXIST) {
      errno = err;
      return -1;
    }
    cur += "/" + parts[i];
  }
  return resolve(root, path, O_PATH);
}

uint64_t mount_attrs(unsigned long flags) {
  uint64_t a = 0;
  if (flags & MS_RDONLY) a |= MOUNT_ATTR_RDONLY;
  if (flags & MS_NOSUID) a |= MOUNT_ATTR_NOSUID;
  if (flags & MS_NODEV) a |= MOUNT_ATTR_NODEV;
  if (flags & MS_NOEXEC) a |= MOUNT_ATTR_NOEXEC;
  if (flags & MS_NOATIME) a |= MOUNT_ATTR_NOATIME;
  if (flags & MS_STRICTATIME) a |= MOUNT_ATTR_STRICTATIME;
  if (flags & MS_NODIRATIME) a |= MOUNT_ATTR_NODIRATIME;
  return a;
}

int set_attrs(int tree, uint64_t set, unsigned long propagation, bool recursive) {
  struct mount_attr attr = {};
  attr.attr_set = set;
  attr.propagation = propagation & ~static_cast<unsigned long>(MS_REC);
  unsigned at = AT_EMPTY_PATH | (recursive || (propagation & MS_REC) ? AT_RECURSIVE : 0);
  if (set == 0 && attr.propagation == 0) return 0;
  return static_cast<int>(::syscall(SYS_mount_setattr, tree, "", at, &attr, sizeof(attr)));
}

int attach(int tree, int target) {
  return static_cast<int>(::syscall(SYS_move_mount, tree, "", target, "",
                                    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH));
}

// A detached bind of `source` (a host path before pivot_root, or an fd).
int clone_tree(int dirfd, const char* path, bool recursive) {
  unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
  if (path[0] == '\0') flags |= AT_EMPTY_PATH;
  return static_cast<int>(::syscall(SYS_open_tree, dirfd, path, flags));
}

// A detached new filesystem instance configured from "k=v,flag" data.
int new_fs(const std::string& type, const std::string& source, const std::string& data,
           uint64_t attrs, std::string* failed_option) {
  int fs = static_cast<int>(::syscall(SYS_fsopen, type.c_str(), FSOPEN_CLOEXEC));
  if (fs < 0) return -1;
  auto cfg = [&](unsigned cmd, const char* key, const char* value) {
    return ::syscall(SYS_fsconfig, fs, cmd, key, value, 0);
  };
  if (!source.empty() && cfg(FSCONFIG_SET_STRING, "source", source.c_str()) < 0) {
    *failed_option = "source";
    goto out;
  }
  if (!data.empty()) {
    for (const auto& opt : split(data, ',')) {
      auto eq = opt.find('=');
      long rc = eq == std::string::npos
                    ? cfg(FSCONFIG_SET_FLAG, opt.c_str(), nullptr)
                    : cfg(FSCONFIG_SET_STRING, opt.substr(0, eq).c_str(), opt.c_str() + eq + 1);
      if (rc < 0) {
        *failed_option = opt;
        goto out;
      }
    }
  }
  if (cfg(FSCONFIG_CMD_CREATE, nullptr, nullptr) < 0) {
    *failed_option = "create";
    goto out;
  }
  {
    int m = static_cast<int>(::syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, attrs));
    int err = errno;
    ::close(fs);
    errno = err;
    return m;
  }
out:
  int err = errno;
  ::close(fs);
  errno = err;
  return -1;
}

// Step: one mount from the plan, placed on its target inside the rootfs.
Step do_mount(int root, const MountOp& m) {
  bool file_target = m.kind == MountKind::kBind && m.file_target;
  int target = ensure_path(root, m.destination, file_target);
  INIT_CHECK(target, "mount {}: create mount point", m.destination);
  int tree = -1;
  switch (m.kind) {
    case MountKind::kBind:
    case MountKind::kCgroupV2: {
      tree = clone_tree(AT_FDCWD, m.source.c_str(), m.recursive);
      INIT_CHECK(tree, "mount {}: bind `{}`", m.destination, m.source);
      INIT_CHECK(set_attrs(tree, mount_attrs(m.flags), 0, false), "mount {}: set flags",
                 m.destination);
      break;
    }
    case MountKind::kFilesystem:
    case MountKind::kCgroupV1: {
      std::string type = m.kind == MountKind::kCgroupV1 ? "tmpfs" : m.fstype;
      std::string data = m.kind == MountKind::kCgroupV1 ? "mode=755" : m.data;
      std::string bad_option;
      uint64_t attrs = mount_attrs(m.flags);
      if (m.kind == MountKind::kCgroupV1) attrs &= ~static_cast<uint64_t>(MOUNT_ATTR_RDONLY);
      tree = new_fs(type, m.source.empty() ? type : m.source, data, attrs, &bad_option);
      INIT_CHECK(tree, "mount {}: {} (option \"{}\")", m.destination, type, bad_option);
      break;
    }
  }
  INIT_CHECK(attach(tree, target), "mount {}: attach", m.destination);
  ::close(tree);
  ::close(target);
  if (m.propagation != 0) {
    int top = resolve(root, m.destination, O_PATH);
    INIT_CHECK(top, "mount {}: reopen", m.destination);
    INIT_CHECK(set_attrs(top, 0, m.propagation, false), "mount {}: propagation", m.destination);
    ::close(top);
  }
  if (m.kind == MountKind::kCgroupV1) {
    // Each controller's own cgroup directory, read-only if the mount asked for it.
    for (const auto& [ctrl, dir] : m.cgroup_dirs) {
      MountOp bind;
      bind.kind = MountKind::kBind;
      bind.source = dir;
      bind.destination = m.destination + "/" + ctrl;
      bind.flags = m.flags;
      if (auto f = do_mount(root, bind)) return f;
    }
    if (m.flags & MS_RDONLY) {
      int top = resolve(root, m.destination, O_PATH);
      INIT_CHECK(top, "mount {}: reopen", m.destination);
      INIT_CHECK(set_attrs(top, MOUNT_ATTR_RDONLY, 0, false), "mount {}: read-only", m.destination);
      ::close(top);
    }
  }
  return std::nullopt;
}

// Step: device nodes. In a user namespace mknod is not allowed: bind the host's node.
Step make_devices(int root, const LaunchPlan& plan) {
  for (const auto& d : plan.devices) {
    if (plan.userns) {
      MountOp bind;
      bind.kind = MountKind::kBind;
      bind.source = d.path;
      bind.destination = d.path;
      bind.file_target = true;
      if (auto f = do_mount(root, bind)) return f;
      continue;
    }
    auto slash = d.path.rfind('/');
    std::string dir = d.path.substr(0, slash), name = d.path.substr(slash + 1);
    int parent = ensure_path(root, dir.empty() ? "/" : dir, false);
    INIT_CHECK(parent, "device {}: parent directory", d.path);
    ::unlinkat(parent, name.c_str(), 0);  // an image's own file there is replaced
    INIT_CHECK(::mknodat(parent, name.c_str(), d.type | d.mode, d.rdev), "device {}: mknod",
               d.path);
    INIT_CHECK(::fchownat(parent, name.c_str(), d.uid, d.gid, AT_SYMLINK_NOFOLLOW),
               "device {}: chown", d.path);
    INIT_CHECK(::fchmodat(parent, name.c_str(), d.mode, 0), "device {}: chmod", d.path);
    ::close(parent);
  }
  int dev = resolve(root, "/dev", O_PATH | O_DIRECTORY);
  if (dev < 0) return std::nullopt;  // no /dev in this container
  static constexpr std::pair<const char*, const char*> kLinks[] = {
      {"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
      {"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"},         {"core", "/proc/kcore"}};
  for (const auto& [name, target] : kLinks)
    if (::symlinkat(target, dev, name) < 0 && errno != EEXIST)
      return Failure{errno, fmt::format("symlink /dev/{}", name)};
  ::close(dev);
  return std::nullopt;
}

// Step: pivot_root into the rootfs and detach the old root. --no-pivot (for a rootfs
// on ramfs, where pivot_root fails) moves the rootfs onto / and chroots, as runc does.
Step enter_rootfs(int root, bool no_pivot) {
  INIT_CHECK(::fchdir(root), "chdir to rootfs");
  if (no_pivot) {
    INIT_CHECK(::mount(".", "/", nullptr, MS_MOVE, nullptr), "move rootfs onto /");
    INIT_CHECK(::chroot("."), "chroot");
    INIT_CHECK(::chdir("/"), "chdir /");
    return std::nullopt;
  }
  INIT_CHECK(::syscall(SYS_pivot_root, ".", "."), "pivot_root");
  // The old root is now stacked on ".": make it private so the detach stays here.
  INIT_CHECK(::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr), "make old root slave");
  INIT_CHECK(::umount2(".", MNT_DETACH), "detach old root");
  INIT_CHECK(::chdir("/"), "chdir /");
  return std::nullopt;
}

// Step: masked paths get /dev/null or an empty read-only tmpfs; read-only paths a
// read-only bind of themselves. A path that does not exist is skipped.
Step mask_and_protect(const LaunchPlan& plan) {
  int root = resolve(AT_FDCWD, "/", O_PATH | O_DIRECTORY);
  INIT_CHECK(root, "open /");
  for (const auto& p : plan.masked_paths) {
    int target = resolve(root, p, O_PATH | O_NOFOLLOW);
    if (target < 0) {
      if (errno == ENOENT) continue;
      return Failure{errno, fmt::format("masked path {}", p)};
    }
    struct stat st;
    INIT_CHECK(::fstat(target, &st), "masked path {}: stat", p);
    std::string ignored;
    int tree = S_ISDIR(st.st_mode) ? new_fs("tmpfs", "tmpfs", "size=0", MOUNT_ATTR_RDONLY, &ignored)
                                   : clone_tree(AT_FDCWD, "/dev/null", false);
    INIT_CHECK(tree, "masked path {}: make mask", p);
    INIT_CHECK(attach(tree, target), "masked path {}: attach", p);
    ::close(tree);
    ::close(target);
  }
  for (const auto& p : plan.readonly_paths) {
    int target = resolve(root, p, O_PATH | O_NOFOLLOW);
    if (target < 0) {
      if (errno == ENOENT) continue;
      return Failure{errno, fmt::format("read-only path {}", p)};
    }
    int tree = clone_tree(target, "", true);
    INIT_CHECK(tree, "read-only path {}: bind", p);
    INIT_CHECK(set_attrs(tree, MOUNT_ATTR_RDONLY, 0, true), "read-only path {}: set read-only", p);
    INIT_CHECK(attach(tree, target), "read-only path {}: attach", p);
    ::close(tree);
    ::close(target);
  }
  if (plan.rootfs_readonly)
    INIT_CHECK(set_attrs(root, MOUNT_ATTR_RDONLY, 0, false), "make the rootfs read-only");
  if (plan.rootfs_propagation != 0)
    INIT_CHECK(set_attrs(root, 0, plan.rootfs_propagation, false), "rootfs propagation");
  ::close(root);
  return std::nullopt;
}

Step write_proc(const std::string& path, const std::string& value) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  INIT_CHECK(fd, "open {}", path);
  ssize_t n = ::write(fd, value.data(), value.size());
  int err = errno;
  ::close(fd);
  if (n < 0) return Failure{err, fmt::format("write {}", path)};
  return std::nullopt;
}

// Step: hostname, sysctls, rlimits, oom score, umask.
Step process_settings(const LaunchPlan& plan) {
  if (plan.set_hostname) {
    if (!plan.hostname.empty())
      INIT_CHECK(::sethostname(plan.hostname.data(), plan.hostname.size()), "sethostname");
    if (!plan.domainname.empty())
      INIT_CHECK(::setdomainname(plan.domainname.data(), plan.domainname.size()), "setdomainname");
  }
  for (const auto& [path, value] : plan.sysctl)
    if (auto f = write_proc("/proc/sys/" + path, value)) return f;
  for (const auto& r : plan.rlimits) {
    struct rlimit rl = {r.soft, r.hard};
    INIT_CHECK(::setrlimit(r.resource, &rl), "setrlimit {} (soft {}, hard {})", r.type, r.soft,
               r.hard);
  }
  if (plan.oom_score_adj)
    if (auto f = write_proc("/proc/self/oom_score_adj", std::to_string(*plan.oom_score_adj)))
      return f;
  if (plan.user.umask) ::umask(*plan.user.umask);
  if (plan.personality_linux32) INIT_CHECK(::personality(PER_LINUX32), "personality LINUX32");
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

// Step: bounding set, user and groups, then the other capability sets.
Step become_user(const LaunchPlan& plan) {
  CapSets caps = plan.caps.value_or(CapSets{});
  int last_cap = CAP_LAST_CAP;
  for (int c = 0; c <= 63; ++c)
    if (::prctl(PR_CAPBSET_READ, c, 0, 0, 0) < 0) {
      last_cap = c - 1;
      break;
    }
  // Bounding drops need CAP_SETPCAP, so they come before the uid change.
  for (int c = 0; c <= last_cap; ++c)
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
  for (int c = 0; c <= last_cap; ++c)
    if (raisable & (uint64_t{1} << c))
      INIT_CHECK(::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0),
                 "raise ambient capability {}", c);
  return std::nullopt;
}

// Step: a pty from the container's own devpts. The master goes to the console socket
// (SCM_RIGHTS, as runc sends it); the peer becomes /dev/console, the controlling
// terminal and stdio.
Step setup_console(const LaunchPlan& plan, int console) {
  int master = ::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  INIT_CHECK(master, "console: open /dev/ptmx");
  int unlock = 0;
  INIT_CHECK(::ioctl(master, TIOCSPTLCK, &unlock), "console: unlock pty");
  int peer = ::ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  INIT_CHECK(peer, "console: open pty peer");
  if (plan.console_size) {
    struct winsize ws = {};
    ws.ws_row = plan.console_size->first;
    ws.ws_col = plan.console_size->second;
    INIT_CHECK(::ioctl(peer, TIOCSWINSZ, &ws), "console: set size");
  }
  INIT_CHECK(::fchown(peer, plan.user.uid, static_cast<gid_t>(-1)), "console: chown pty");
  int root = resolve(AT_FDCWD, "/", O_PATH | O_DIRECTORY);
  INIT_CHECK(root, "open /");
  int target = ensure_path(root, "/dev/console", true);
  INIT_CHECK(target, "console: create /dev/console");
  int tree = clone_tree(peer, "", false);
  INIT_CHECK(tree, "console: bind pty");
  INIT_CHECK(attach(tree, target), "console: mount /dev/console");
  ::close(tree);
  ::close(target);
  ::close(root);
  INIT_CHECK(sys::send_with_fd(console, "/dev/ptmx", master), "console: send pty master");
  ::close(master);
  ::close(console);
  INIT_CHECK(::ioctl(peer, TIOCSCTTY, 0), "console: set controlling terminal");
  for (int fd = 0; fd < 3; ++fd) INIT_CHECK(::dup2(peer, fd), "console: dup to fd {}", fd);
  if (peer > 2) ::close(peer);
  return std::nullopt;
}

// PATH lookup as execvp does, but failing before start, with runc's message.
Step find_program(const LaunchPlan& plan, std::string* path) {
  const std::string& name = plan.args[0];
  if (name.find('/') != std::string::npos) {
    if (::access(name.c_str(), X_OK) < 0) return Failure{errno, fmt::format("exec: \"{}\"", name)};
    *path = name;
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
      *path = candidate;
      return std::nullopt;
    }
  }
  // No errno: the message is the whole story (runc's words).
  return Failure{0, fmt::format("exec: \"{}\": executable file not found in $PATH", name)};
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
    int listener = static_cast<int>(rc);
    INIT_CHECK(sys::send_with_fd(sync, std::string_view(&kSeccompFd, 1), listener),
               "send the seccomp listener fd");
    ::close(listener);
  }
  return std::nullopt;
}

Step setup_process(const LaunchPlan& plan, const InitFds& fds, std::string* program);

// Step 0: into the cgroups, before anything else (single-threaded: "0" is this thread).
Step join_cgroups(const LaunchPlan& plan) {
  for (int fd : plan.cgroup_join_fds) {
    INIT_CHECK(::write(fd, "0", 1), "join cgroup");
    ::close(fd);
  }
  return std::nullopt;
}

Step setup(const LaunchPlan& plan, const InitFds& fds, std::string* program) {
  if (auto f = join_cgroups(plan)) return f;
  // 1. namespaces to join (new ones were made by clone).
  for (const auto& [flag, path] : plan.join_namespaces) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    INIT_CHECK(fd, "open namespace {}", path);
    INIT_CHECK(::setns(fd, flag), "join namespace {}", path);
    ::close(fd);
  }
  if (plan.unshare_cgroupns) INIT_CHECK(::unshare(CLONE_NEWCGROUP), "new cgroup namespace");
  if (plan.userns) {
    INIT_CHECK(::setresgid(0, 0, 0), "become gid 0 in the user namespace");
    INIT_CHECK(::setresuid(0, 0, 0), "become uid 0 in the user namespace");
  }
  INIT_CHECK(::setsid(), "setsid");
  // 2. mounts: nothing propagates back to the host.
  INIT_CHECK(::mount(nullptr, "/", nullptr, MS_SLAVE | MS_REC, nullptr), "make / rslave");
  int tree = clone_tree(AT_FDCWD, plan.rootfs.c_str(), true);
  INIT_CHECK(tree, "bind rootfs {}", plan.rootfs);
  int old = ::open(plan.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  INIT_CHECK(old, "open rootfs {}", plan.rootfs);
  INIT_CHECK(attach(tree, old), "mount rootfs {}", plan.rootfs);
  ::close(tree);
  ::close(old);
  int root = ::open(plan.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  INIT_CHECK(root, "open rootfs {}", plan.rootfs);
  for (const auto& m : plan.mounts)
    if (auto f = do_mount(root, m)) return f;
  if (auto f = make_devices(root, plan)) return f;
  // Hooks between mounts and pivot_root: the parent's (prestart, createRuntime), then
  // createContainer here, in the container's namespaces with the host's paths.
  if (plan.parent_hooks) {
    INIT_CHECK(::write(fds.sync, &kHooks, 1), "ask for runtime hooks");
    char answer = 0;
    if (::read(fds.sync, &answer, 1) != 1 || answer != kGo) _exit(1);
  }
  if (auto r = run_hooks(plan.create_container_hooks, g_state, "createContainer"); !r.ok())
    return Failure{0, r.error().message()};
  // 3. pivot_root.
  if (auto f = enter_rootfs(root, plan.no_pivot)) return f;
  ::close(root);
  // 4. hostname, sysctl (before /proc/sys turns read-only), rlimits, oom score, umask.
  if (auto f = process_settings(plan)) return f;
  // 5. masked and read-only paths, read-only rootfs.
  if (auto f = mask_and_protect(plan)) return f;
  return setup_process(plan, fds, program);
}

// The steps shared by a container's init and an exec'd process: console, cwd,
// program lookup, user, capabilities, no_new_privs, seccomp, fds.
Step setup_process(const LaunchPlan& plan, const InitFds& fds, std::string* program) {
  if (plan.terminal)
    if (auto f = setup_console(plan, fds.console)) return f;
  // 6. cwd: inside the rootfs by construction (we are past pivot_root or joined its
  //    mount namespace, whose root it is).
  INIT_CHECK(::chdir(plan.cwd.c_str()), "chdir to cwd {}", plan.cwd);
  if (auto f = find_program(plan, program)) return f;
  // 7. user, groups, capabilities; 8. no_new_privs; 9. seccomp (last: it may forbid
  //    the calls above).
  // Without no_new_privs the kernel takes a filter only from a process with
  // CAP_SYS_ADMIN: load it before the capabilities go (runc does the same).
  if (!plan.no_new_privileges)
    if (auto f = load_seccomp(plan, fds.sync)) return f;
  if (auto f = become_user(plan)) return f;
  if (plan.no_new_privileges) {
    INIT_CHECK(::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs");
    if (auto f = load_seccomp(plan, fds.sync)) return f;
  }
  // 10. No host fd survives exec but stdio and the preserved ones (CVE-2024-21626).
  INIT_CHECK(::syscall(SYS_close_range, 3 + plan.preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC),
             "close_range");
  for (int fd = 3; fd < 3 + plan.preserve_fds; ++fd) ::fcntl(fd, F_SETFD, 0);
  return std::nullopt;
}

[[noreturn]] void exec_program(const LaunchPlan& plan, const std::string& program) {
  std::vector<char*> argv, envp;
  for (const auto& a : plan.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : plan.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  ::execve(program.c_str(), argv.data(), envp.data());
  int err = errno;
  std::string msg = fmt::format("strata-runtime: exec {}: {}\n", program, std::strerror(err));
  (void)!::write(2, msg.data(), msg.size());
  _exit(err == ENOENT ? 127 : 126);
}

}  // namespace

void run_init(const LaunchPlan& plan, const InitFds& fds, pid_t parent) {
  // Until it is ready, the init dies with the runtime that made it (a killed create
  // must not leave a half-made container behind).
  // In a new pid namespace getppid() is 0; a parent that died before this point then
  // shows as EOF on the sync socket below.
  pid_t pp = ::getppid();
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || (pp != 0 && pp != parent)) _exit(1);
  std::vector<char> go(1 << 16);
  ssize_t got = ::recv(fds.sync, go.data(), go.size(), 0);
  if (got < 1 || go[0] != kGo) _exit(1);  // the parent gave up
  g_state.assign(go.data() + 1, static_cast<size_t>(got - 1));
  // Reopen the exec fifo through our own fd table before /proc changes under us.
  int proc_fds = ::open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (proc_fds < 0) fail(fds.sync, {errno, "open /proc/self/fd"});
  std::string program;
  if (auto f = setup(plan, fds, &program)) fail(fds.sync, *f);
  // From here the container outlives `create`; its cgroup is how it is found again.
  ::prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
  if (::write(fds.sync, &kReady, 1) != 1) _exit(1);
  if (fds.exec_fifo >= 0) {
    // Blocks until `start` opens the fifo for reading.
    int w = ::openat(proc_fds, std::to_string(fds.exec_fifo).c_str(), O_WRONLY | O_CLOEXEC);
    if (w < 0 || ::write(w, "0", 1) != 1) {
      // The parent is gone by now: stderr is all that is left to tell.
      std::string msg =
          fmt::format("strata-runtime: init: open exec fifo: {}\n", std::strerror(errno));
      (void)!::write(2, msg.data(), msg.size());
      _exit(1);
    }
    ::close(w);
  }
  // startContainer hooks run in the container, after start, before the program.
  if (auto r = run_hooks(plan.start_container_hooks, g_state, "startContainer"); !r.ok()) {
    std::string msg = fmt::format("strata-runtime: {}\n", r.error().message());
    (void)!::write(2, msg.data(), msg.size());
    _exit(1);
  }
  exec_program(plan, program);
}

Error error_from_record(std::string_view rec) {
  auto colon = rec.find(':');
  int err = colon != std::string_view::npos
                ? std::atoi(std::string(rec.substr(1, colon - 1)).c_str())
                : 0;
  std::string msg(colon != std::string_view::npos ? rec.substr(colon + 1) : rec);
  if (err == 0) return Error::make(Errc::kInternal, msg);
  return Error::from_errno(err, msg);
}

void run_exec(const LaunchPlan& plan, const InitFds& fds) {
  char go[16];
  if (::recv(fds.sync, go, sizeof(go), 0) < 1 || go[0] != kGo) _exit(1);
  std::string program;
  if (auto f = join_cgroups(plan)) fail(fds.sync, *f);
  // A session of its own: a terminal can only become the controlling tty of a leader.
  if (::setsid() < 0) fail(fds.sync, {errno, "setsid"});
  if (auto f = process_settings(plan)) fail(fds.sync, *f);
  if (auto f = setup_process(plan, fds, &program)) fail(fds.sync, *f);
  exec_program(plan, program);  // the sync socket closes on exec: EOF means it ran
}

}  // namespace strata::runtime::init
