// SPDX-License-Identifier: Apache-2.0
// The init's file system steps. Every mount is placed on a file descriptor resolved
// with openat2(RESOLVE_IN_ROOT) from the rootfs (new mount API: open_tree,
// fsopen/fsmount, move_mount, mount_setattr), never on a path string a container image
// could redirect with a symlink. The one mount(2) left (option data longer than
// fsconfig takes) targets /proc/self/fd/N of such an fd, as crun does.
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "runtime/init/init_internal.h"
#include "util/strings.h"
#include "util/unique_fd.h"

namespace strata::runtime::init {

int resolve(int root, const std::string& path, int flags) {
  struct open_how how = {};
  how.flags = static_cast<uint64_t>(flags) | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  size_t skip = path.find_first_not_of('/');
  const char* rel = skip == std::string::npos ? "." : path.c_str() + skip;
  return static_cast<int>(::syscall(SYS_openat2, root, rel, &how, sizeof(how)));
}

namespace {

// How many symbolic links one mount point may pass through while its missing
// components are made (the kernel's own limit, as runc's MkdirAllInRoot).
constexpr int kMaxLinks = 40;

// The path a dangling symlink at `cur`/`name` (target `link`) leads to, followed by the
// components after it: the walk goes on inside the root, never outside it.
std::string through_link(const std::string& cur, const std::string& link,
                         const std::vector<std::string>& parts, size_t next) {
  std::string path = link.starts_with('/') ? link : cur + "/" + link;
  for (size_t i = next; i < parts.size(); ++i) path += "/" + parts[i];
  return path;
}

// Creates the missing components of `path` inside root (directories, and a file at the
// end when file_target), then returns an O_PATH fd of it. A component that is a
// symlink to something missing is followed, the target made inside the root (as runc
// does: a mount point under /var/run -> /run works on a fresh image).
int ensure_path(int root, const std::string& path, bool file_target, int links = 0) {
  int fd = resolve(root, path, O_PATH);
  if (fd >= 0 || errno != ENOENT) return fd;
  auto parts = split(path, '/');
  std::string cur;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty()) continue;
    UniqueFd parent(resolve(root, cur, O_PATH | O_DIRECTORY));
    if (!parent.valid()) return -1;
    bool last = i + 1 == parts.size();
    int rc = last && file_target ? ::openat(parent.get(), parts[i].c_str(),
                                            O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644)
                                 : ::mkdirat(parent.get(), parts[i].c_str(), 0755);
    // EEXIST: mkdir met an entry; ELOOP: the file's O_NOFOLLOW open met a symlink.
    if (rc < 0 && (errno == EEXIST || (errno == ELOOP && last && file_target))) {
      char link[4096];
      ssize_t n = ::readlinkat(parent.get(), parts[i].c_str(), link, sizeof(link) - 1);
      UniqueFd existing(n > 0 ? resolve(root, cur + "/" + parts[i], O_PATH) : -1);
      if (n > 0 && !existing.valid() && errno == ENOENT) {
        if (links >= kMaxLinks) {
          errno = ELOOP;
          return -1;
        }
        std::string next =
            through_link(cur, std::string(link, static_cast<size_t>(n)), parts, i + 1);
        return ensure_path(root, next, file_target, links + 1);
      }
    } else if (rc < 0) {
      return -1;
    }
    if (rc >= 0 && last && file_target) ::close(rc);
    cur += "/" + parts[i];
  }
  return resolve(root, path, O_PATH);
}

struct Attrs {
  uint64_t set = 0, clear = 0;
};

// The MOUNT_ATTR_* a mount's options set and clear. The atime modes are an enum in
// the kernel, not bits: setting one needs MOUNT_ATTR__ATIME in attr_clr (else EINVAL),
// so an atime option replaces the mode, and without one the mode is inherited.
Attrs mount_attrs(const MountOp& m) {
  static constexpr std::pair<unsigned long, uint64_t> kBits[] = {
      {MS_RDONLY, MOUNT_ATTR_RDONLY},
      {MS_NOSUID, MOUNT_ATTR_NOSUID},
      {MS_NODEV, MOUNT_ATTR_NODEV},
      {MS_NOEXEC, MOUNT_ATTR_NOEXEC},
      {MS_NODIRATIME, MOUNT_ATTR_NODIRATIME}};
  Attrs a;
  for (const auto& [ms, attr] : kBits) {
    if (m.flags & ms) a.set |= attr;
    if (m.clear_flags & ms) a.clear |= attr;
  }
  if (m.set_atime) {
    a.clear |= MOUNT_ATTR__ATIME;
    a.set |= (m.flags & MS_NOATIME)       ? MOUNT_ATTR_NOATIME
             : (m.flags & MS_STRICTATIME) ? MOUNT_ATTR_STRICTATIME
                                          : MOUNT_ATTR_RELATIME;
  }
  return a;
}

int set_attrs(int tree, Attrs attrs, unsigned long propagation, bool recursive) {
  struct mount_attr attr = {};
  attr.attr_set = attrs.set;
  attr.attr_clr = attrs.clear;
  attr.propagation = propagation & ~static_cast<unsigned long>(MS_REC);
  unsigned at = AT_EMPTY_PATH | (recursive || (propagation & MS_REC) ? AT_RECURSIVE : 0);
  if (attrs.set == 0 && attrs.clear == 0 && attr.propagation == 0) return 0;
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

// fsconfig takes at most 255 bytes per value (strndup_user(value, 256)).
constexpr size_t kMaxFsconfigValue = 255;

// Overlay's lowerdir: layers separated by ':' (a '\' escapes the next character), and
// after "::" the data-only layers.
void split_lowerdir(std::string_view v, std::vector<std::string>* lower,
                    std::vector<std::string>* data) {
  std::vector<std::string>* into = lower;
  std::string cur;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) {
      cur += v[++i];
    } else if (v[i] == ':') {
      into->push_back(std::move(cur));
      cur.clear();
      if (i + 1 < v.size() && v[i + 1] == ':') {
        into = data;
        ++i;
      }
    } else {
      cur += v[i];
    }
  }
  into->push_back(std::move(cur));
}

// How a filesystem's configuration went: a detached mount, or a value fsconfig cannot
// take (longer than 255 bytes, or lowerdir+ on a kernel before 6.8), so mount(2) must
// do it, or a failure naming the option.
struct NewFs {
  int tree = -1;
  bool use_mount2 = false;
  std::string failed_option;
};

// One "key=value" (or flag) option. Overlay's lowerdir longer than fsconfig takes goes
// in one layer at a time (lowerdir+ and datadir+, Linux 6.8).
long configure_option(int fs, const std::string& type, const std::string& opt, bool* too_long) {
  auto cfg = [fs](unsigned cmd, const char* key, const char* value) {
    return ::syscall(SYS_fsconfig, fs, cmd, key, value, 0);
  };
  auto eq = opt.find('=');
  if (eq == std::string::npos) return cfg(FSCONFIG_SET_FLAG, opt.c_str(), nullptr);
  std::string key = opt.substr(0, eq), value = opt.substr(eq + 1);
  if (value.size() <= kMaxFsconfigValue)
    return cfg(FSCONFIG_SET_STRING, key.c_str(), value.c_str());
  if (type != "overlay" || key != "lowerdir") {
    *too_long = true;
    return -1;
  }
  std::vector<std::string> lower, data;
  split_lowerdir(value, &lower, &data);
  for (const auto& [k, layers] : {std::pair{"lowerdir+", &lower}, std::pair{"datadir+", &data}}) {
    for (const auto& layer : *layers) {
      if (layer.size() > kMaxFsconfigValue) *too_long = true;
      if (*too_long || cfg(FSCONFIG_SET_STRING, k, layer.c_str()) < 0) {
        // EINVAL: a kernel without lowerdir+ (before 6.8); mount(2) takes a page.
        if (errno == EINVAL) *too_long = true;
        return -1;
      }
    }
  }
  return 0;
}

// A detached new filesystem instance configured from "k=v,flag" data.
NewFs new_fs(const std::string& type, const std::string& source, const std::string& data,
             uint64_t attrs) {
  NewFs out;
  UniqueFd fs(static_cast<int>(::syscall(SYS_fsopen, type.c_str(), FSOPEN_CLOEXEC)));
  if (!fs.valid()) {
    out.failed_option = "fsopen";
    return out;
  }
  if (!source.empty() &&
      ::syscall(SYS_fsconfig, fs.get(), FSCONFIG_SET_STRING, "source", source.c_str(), 0) < 0) {
    out.use_mount2 = errno == EINVAL && source.size() > kMaxFsconfigValue;
    out.failed_option = "source";
    return out;
  }
  for (const auto& opt : data.empty() ? std::vector<std::string>{} : split(data, ',')) {
    if (configure_option(fs.get(), type, opt, &out.use_mount2) < 0) {
      out.failed_option = opt;
      return out;
    }
  }
  if (::syscall(SYS_fsconfig, fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) {
    out.failed_option = "create";
    return out;
  }
  out.tree = static_cast<int>(::syscall(SYS_fsmount, fs.get(), FSMOUNT_CLOEXEC, attrs));
  if (out.tree < 0) out.failed_option = "fsmount";
  return out;
}

// The legacy mount(2) for option data fsconfig cannot take, onto the target's fd.
// mount(2) copies at most a page of data.
Step mount2_on_fd(const MountOp& m, int target) {
  if (m.data.size() >= 4096)
    return Failure{E2BIG,
                   fmt::format("mount {}: {}: option data of {} bytes (mount(2) takes "
                               "less than a page, fsconfig 255 bytes per value)",
                               printable(m.destination), printable(m.fstype), m.data.size())};
  std::string at = fmt::format("/proc/self/fd/{}", target);
  unsigned long flags = m.flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME |
                                   MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME);
  const char* source = m.source.empty() ? m.fstype.c_str() : m.source.c_str();
  INIT_CHECK(::mount(source, at.c_str(), m.fstype.c_str(), flags, m.data.c_str()),
             "mount {}: {} (with mount(2))", printable(m.destination), printable(m.fstype));
  return std::nullopt;
}

Step mount_one(int root, const MountOp& m);

// kCgroupV1: a tmpfs with each controller's own cgroup directory bound below it,
// read-only if the mount asked for it.
Step mount_cgroup_v1(int root, const MountOp& m) {
  for (const auto& [ctrl, dir] : m.cgroup_dirs) {
    MountOp bind;
    bind.kind = MountKind::kBind;
    bind.source = dir;
    bind.destination = m.destination + "/" + ctrl;
    bind.flags = m.flags;
    INIT_STEP(mount_one(root, bind));
  }
  if (m.flags & MS_RDONLY) {
    UniqueFd top(resolve(root, m.destination, O_PATH));
    INIT_CHECK(top.get(), "mount {}: reopen", printable(m.destination));
    INIT_CHECK(set_attrs(top.get(), {MOUNT_ATTR_RDONLY, 0}, 0, false), "mount {}: read-only",
               printable(m.destination));
  }
  return std::nullopt;
}

// A new detached tree for `m`: a bind of its source, or a new filesystem instance.
// Sets *mount2 instead when only mount(2) can take the option data.
Step make_tree(const MountOp& m, UniqueFd* tree, bool* mount2) {
  if (m.kind == MountKind::kBind || m.kind == MountKind::kCgroupV2) {
    tree->reset(clone_tree(AT_FDCWD, m.source.c_str(), m.recursive));
    INIT_CHECK(tree->get(), "mount {}: bind `{}`", printable(m.destination), printable(m.source));
    INIT_CHECK(set_attrs(tree->get(), mount_attrs(m), 0, false), "mount {}: set flags",
               printable(m.destination));
    return std::nullopt;
  }
  bool cgroup_v1 = m.kind == MountKind::kCgroupV1;
  std::string type = cgroup_v1 ? "tmpfs" : m.fstype;
  uint64_t attrs = mount_attrs(m).set;
  if (cgroup_v1) attrs &= ~static_cast<uint64_t>(MOUNT_ATTR_RDONLY);  // made read-only last
  NewFs fs =
      new_fs(type, m.source.empty() ? type : m.source, cgroup_v1 ? "mode=755" : m.data, attrs);
  if (fs.use_mount2) {
    *mount2 = true;
    return std::nullopt;
  }
  tree->reset(fs.tree);
  INIT_CHECK(fs.tree, "mount {}: {} (option \"{}\")", printable(m.destination), printable(type),
             printable(fs.failed_option));
  return std::nullopt;
}

// Step: one mount from the plan, placed on its target inside the rootfs.
Step mount_one(int root, const MountOp& m) {
  UniqueFd target(ensure_path(root, m.destination, m.kind == MountKind::kBind && m.file_target));
  INIT_CHECK(target.get(), "mount {}: create mount point", printable(m.destination));
  UniqueFd tree;
  bool mount2 = false;
  INIT_STEP(make_tree(m, &tree, &mount2));
  if (mount2) {
    INIT_STEP(mount2_on_fd(m, target.get()));
  } else {
    INIT_CHECK(attach(tree.get(), target.get()), "mount {}: attach", printable(m.destination));
  }
  if (m.propagation != 0) {
    UniqueFd top(resolve(root, m.destination, O_PATH));
    INIT_CHECK(top.get(), "mount {}: reopen", printable(m.destination));
    INIT_CHECK(set_attrs(top.get(), {}, m.propagation, false), "mount {}: propagation",
               printable(m.destination));
  }
  if (m.kind == MountKind::kCgroupV1) return mount_cgroup_v1(root, m);
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
      INIT_STEP(mount_one(root, bind));
      continue;
    }
    auto slash = d.path.rfind('/');
    std::string dir = d.path.substr(0, slash), name = d.path.substr(slash + 1);
    UniqueFd parent(ensure_path(root, dir.empty() ? "/" : dir, false));
    INIT_CHECK(parent.get(), "device {}: parent directory", printable(d.path));
    ::unlinkat(parent.get(), name.c_str(), 0);  // an image's own file there is replaced
    INIT_CHECK(::mknodat(parent.get(), name.c_str(), d.type | d.mode, d.rdev), "device {}: mknod",
               printable(d.path));
    INIT_CHECK(::fchownat(parent.get(), name.c_str(), d.uid, d.gid, AT_SYMLINK_NOFOLLOW),
               "device {}: chown", printable(d.path));
    INIT_CHECK(::fchmodat(parent.get(), name.c_str(), d.mode, 0), "device {}: chmod",
               printable(d.path));
  }
  UniqueFd dev(resolve(root, "/dev", O_PATH | O_DIRECTORY));
  if (!dev.valid()) return std::nullopt;  // no /dev in this container
  static constexpr std::pair<const char*, const char*> kLinks[] = {
      {"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
      {"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"},         {"core", "/proc/kcore"}};
  for (const auto& [name, target] : kLinks)
    if (::symlinkat(target, dev.get(), name) < 0 && errno != EEXIST)
      return Failure{errno, fmt::format("symlink /dev/{}", name)};
  return std::nullopt;
}

}  // namespace

Step build_rootfs(const LaunchPlan& plan, int* root) {
  if (plan.mount_namespace) {
    // Nothing propagates back to the host.
    INIT_CHECK(::mount(nullptr, "/", nullptr, MS_SLAVE | MS_REC, nullptr), "make / rslave");
    UniqueFd tree(clone_tree(AT_FDCWD, plan.rootfs.c_str(), true));
    INIT_CHECK(tree.get(), "bind rootfs {}", printable(plan.rootfs));
    UniqueFd old(::open(plan.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    INIT_CHECK(old.get(), "open rootfs {}", printable(plan.rootfs));
    INIT_CHECK(attach(tree.get(), old.get()), "mount rootfs {}", printable(plan.rootfs));
  }
  *root = ::open(plan.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  INIT_CHECK(*root, "open rootfs {}", printable(plan.rootfs));
  for (const auto& m : plan.mounts) INIT_STEP(mount_one(*root, m));
  return make_devices(*root, plan);
}

Step enter_rootfs(const LaunchPlan& plan, int root) {
  INIT_CHECK(::fchdir(root), "chdir to rootfs");
  if (!plan.mount_namespace) {
    // The mount table is the runtime's: pivot_root would move the host's root.
    INIT_CHECK(::chroot("."), "chroot");
  } else if (plan.no_pivot) {
    // For a rootfs on ramfs, where pivot_root fails (runc does the same).
    INIT_CHECK(::mount(".", "/", nullptr, MS_MOVE, nullptr), "move rootfs onto /");
    INIT_CHECK(::chroot("."), "chroot");
  } else {
    INIT_CHECK(::syscall(SYS_pivot_root, ".", "."), "pivot_root");
    // The old root is now stacked on ".": make it private so the detach stays here.
    INIT_CHECK(::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr), "make old root slave");
    INIT_CHECK(::umount2(".", MNT_DETACH), "detach old root");
  }
  INIT_CHECK(::chdir("/"), "chdir /");
  return std::nullopt;
}

Step mask_and_protect(const LaunchPlan& plan) {
  UniqueFd root(resolve(AT_FDCWD, "/", O_PATH | O_DIRECTORY));
  INIT_CHECK(root.get(), "open /");
  // Masked paths get /dev/null or an empty read-only tmpfs; read-only paths a read-only
  // bind of themselves. A path that does not exist is skipped.
  for (const auto& p : plan.masked_paths) {
    UniqueFd target(resolve(root.get(), p, O_PATH | O_NOFOLLOW));
    if (!target.valid() && errno == ENOENT) continue;
    INIT_CHECK(target.get(), "masked path {}", printable(p));
    struct stat st;
    INIT_CHECK(::fstat(target.get(), &st), "masked path {}: stat", printable(p));
    UniqueFd tree(S_ISDIR(st.st_mode) ? new_fs("tmpfs", "tmpfs", "size=0", MOUNT_ATTR_RDONLY).tree
                                      : clone_tree(AT_FDCWD, "/dev/null", false));
    INIT_CHECK(tree.get(), "masked path {}: make mask", printable(p));
    INIT_CHECK(attach(tree.get(), target.get()), "masked path {}: attach", printable(p));
  }
  for (const auto& p : plan.readonly_paths) {
    UniqueFd target(resolve(root.get(), p, O_PATH | O_NOFOLLOW));
    if (!target.valid() && errno == ENOENT) continue;
    INIT_CHECK(target.get(), "read-only path {}", printable(p));
    UniqueFd tree(clone_tree(target.get(), "", true));
    INIT_CHECK(tree.get(), "read-only path {}: bind", printable(p));
    INIT_CHECK(set_attrs(tree.get(), {MOUNT_ATTR_RDONLY, 0}, 0, true),
               "read-only path {}: set read-only", printable(p));
    INIT_CHECK(attach(tree.get(), target.get()), "read-only path {}: attach", printable(p));
  }
  if (plan.rootfs_readonly)
    INIT_CHECK(set_attrs(root.get(), {MOUNT_ATTR_RDONLY, 0}, 0, false),
               "make the rootfs read-only");
  if (plan.rootfs_propagation != 0)
    INIT_CHECK(set_attrs(root.get(), {}, plan.rootfs_propagation, false), "rootfs propagation");
  return std::nullopt;
}

Step bind_console(int peer) {
  UniqueFd root(resolve(AT_FDCWD, "/", O_PATH | O_DIRECTORY));
  INIT_CHECK(root.get(), "open /");
  UniqueFd target(ensure_path(root.get(), "/dev/console", true));
  INIT_CHECK(target.get(), "console: create /dev/console");
  UniqueFd tree(clone_tree(peer, "", false));
  INIT_CHECK(tree.get(), "console: bind pty");
  INIT_CHECK(attach(tree.get(), target.get()), "console: mount /dev/console");
  return std::nullopt;
}

}  // namespace strata::runtime::init
