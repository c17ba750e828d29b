// SPDX-License-Identifier: Apache-2.0
// cp's view of a container: the root file system with the container's volumes and bind
// mounts bound on top in this process's private mount namespace (copy_view.h).
#include "container/copy_view.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "container/mounts.h"
#include "oci/json.h"
#include "sys/fs.h"
#include "sys/pidfd.h"
#include "util/strings.h"

namespace strata::container {

namespace {

// A mount the container was created with, as recorded (inspect's Mounts, and
// HostConfig.Tmpfs for --tmpfs).
struct RecordedMount {
  std::string type;    // bind, volume or tmpfs
  std::string source;  // host path (bind, volume)
  std::string dest;    // clean and absolute: "/data"
  bool rw = true;
};

bool is_under(const std::string& path, const std::string& dest) {
  return path == dest || (path.starts_with(dest) && path[dest.size()] == '/');
}

size_t depth(const std::string& dest) {
  return static_cast<size_t>(std::count(dest.begin(), dest.end(), '/'));
}

Result<std::vector<RecordedMount>> recorded_mounts(const Container& c) {
  std::vector<RecordedMount> out;
  if (!c.mounts.is_array())
    return Error::make(Errc::kCorrupt, fmt::format("container {}: Mounts is not a list", c.name));
  for (const auto& m : c.mounts) {
    RecordedMount r;
    r.type = TRY(oci::get_string(m, "Type"));
    r.source = TRY(oci::get_string_or(m, "Source", ""));
    r.dest = clean_path(TRY(oci::get_string(m, "Destination")));
    r.rw = TRY(oci::get_bool_or(m, "RW", true));
    out.push_back(std::move(r));
  }
  auto tmpfs = c.host_config.find("Tmpfs");
  if (tmpfs != c.host_config.end() && tmpfs->is_object()) {
    for (const auto& item : tmpfs->items()) {
      std::string opts = TRY(oci::get_string(*tmpfs, item.key()));
      bool ro = false;
      for (const auto& o : split(opts, ',')) ro = ro || o == "ro";
      out.push_back({"tmpfs", "", clean_path(item.key()), !ro});
    }
  }
  // Shallower first, as config.json mounts them: /data before /data/sub.
  std::stable_sort(out.begin(), out.end(), [](const RecordedMount& a, const RecordedMount& b) {
    return depth(a.dest) < depth(b.dest);
  });
  return out;
}

// The deepest mount that `path` (clean, absolute) lies under, if any.
const RecordedMount* mount_of(const std::vector<RecordedMount>& mounts, const std::string& path) {
  const RecordedMount* found = nullptr;
  for (const auto& m : mounts)
    if (is_under(path, m.dest)) found = &m;
  return found;
}

// Docker's refusals of a write (daemon/archive.go), before anything is opened.
Result<void> check_writable(const Container& c, const RecordedMount* under) {
  if (under != nullptr && !under->rw)
    return Error::make(Errc::kPermission, "mounted volume is marked read-only");
  if (under == nullptr && TRY(oci::get_bool_or(c.host_config, "ReadonlyRootfs", false)))
    return Error::make(Errc::kPermission, "container rootfs is marked read-only");
  return {};
}

// The mount point `rel` inside the root, as an O_PATH fd, made if missing (a directory,
// or an empty file for a file's bind) as the runtime makes it when the container starts.
Result<UniqueFd> open_mount_point(int root, const std::string& rel, bool dir) {
  auto found = sys::open_in_root(root, rel, O_PATH);
  if (found.ok() || found.error().sys_errno() != ENOENT) return found;
  std::string prefix;
  std::vector<std::string> parts = split(rel, '/');
  for (size_t i = 0; i < parts.size(); ++i) {
    UniqueFd parent = TRY(sys::open_in_root(root, prefix, O_PATH | O_DIRECTORY));
    const std::string& name = parts[i];
    bool last = i + 1 == parts.size();
    if (!last || dir) {
      if (::mkdirat(parent.get(), name.c_str(), 0755) < 0 && errno != EEXIST)
        return Error::from_errno(errno, fmt::format("mkdir `/{}`", sys::printable_path(rel)));
    } else {
      int fd = ::openat(parent.get(), name.c_str(),
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd < 0 && errno != EEXIST)
        return Error::from_errno(errno, fmt::format("create `/{}`", sys::printable_path(rel)));
      if (fd >= 0) ::close(fd);
    }
    prefix += (prefix.empty() ? "" : "/") + name;
  }
  return sys::open_in_root(root, rel, O_PATH);
}

Result<void> attach(int tree, int target, const RecordedMount& m) {
  if (::syscall(SYS_move_mount, tree, "", target, "",
                MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return Error::from_errno(errno, fmt::format("mount on {}", sys::printable_path(m.dest)));
  return {};
}

// A bind or volume: its source cloned (recursively, so that a mount below it is not
// uncovered), made read-only if the container has it so, moved onto its destination.
Result<void> bind_onto(int root, const RecordedMount& m) {
  int fd = static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, m.source.c_str(),
                                      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
  if (fd < 0)
    return Error::from_errno(errno, fmt::format("bind `{}`", sys::printable_path(m.source)));
  UniqueFd tree(fd);
  struct stat st;
  if (::fstat(fd, &st) < 0)
    return Error::from_errno(errno, fmt::format("stat `{}`", sys::printable_path(m.source)));
  if (!m.rw) {
    struct mount_attr attr = {};
    attr.attr_set = MOUNT_ATTR_RDONLY;
    if (::syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
      return Error::from_errno(errno, fmt::format("make {} read-only", m.dest));
  }
  UniqueFd target = TRY(open_mount_point(root, m.dest.substr(1), S_ISDIR(st.st_mode)));
  return attach(tree.get(), target.get(), m);
}

// An empty read-only tmpfs over a tmpfs destination, with the mount point's mode.
Result<void> cover_tmpfs(int root, const RecordedMount& m) {
  UniqueFd target = TRY(open_mount_point(root, m.dest.substr(1), true));
  struct stat st;
  if (::fstat(target.get(), &st) < 0 || !S_ISDIR(st.st_mode)) return {};  // nothing to cover
  UniqueFd fs(static_cast<int>(::syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC)));
  if (!fs.valid()) return Error::from_errno(errno, "fsopen tmpfs");
  std::string mode = fmt::format("{:o}", st.st_mode & 07777);
  if (::syscall(SYS_fsconfig, fs.get(), FSCONFIG_SET_STRING, "mode", mode.c_str(), 0) < 0 ||
      ::syscall(SYS_fsconfig, fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0)
    return Error::from_errno(errno, "make tmpfs");
  UniqueFd mnt(
      static_cast<int>(::syscall(SYS_fsmount, fs.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY)));
  if (!mnt.valid()) return Error::from_errno(errno, "fsmount tmpfs");
  return attach(mnt.get(), target.get(), m);
}

// The root of a running container as its processes see it (every mount, tmpfs
// included), through its init's /proc/PID/root: checked to be the container's root file
// system, opened while a pidfd shows that process alive (a reused pid cannot redirect it).
Result<RootfsView> open_running_root(Engine& engine, const Container& c, const std::string& dest) {
  RootfsView v;
  v.lock = TRY(engine.lock(c));
  Container now = TRY(engine.get(c.id));
  auto not_running = [&] {
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("{} is a tmpfs mount of container {}: its files exist only "
                                   "while the container runs",
                                   sys::printable_path(dest), c.name));
  };
  if (!now.state.running() || now.state.pid <= 0) return not_running();
  pid_t pid = static_cast<pid_t>(now.state.pid);
  auto pidfd = sys::pidfd_open(pid);
  if (!pidfd.ok()) return not_running();
  int fd = ::open(fmt::format("/proc/{}/root", pid).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return not_running();
  UniqueFd root(fd);
  auto merged = TRY(sys::open_dir(engine.dir(now) + "/merged"));
  struct stat a, b;
  if (::fstat(root.get(), &a) < 0 || ::fstat(merged.get(), &b) < 0)
    return Error::from_errno(errno, "stat the container's root");
  if (a.st_dev != b.st_dev || a.st_ino != b.st_ino || !sys::pidfd_alive(pidfd->get()))
    return not_running();
  v.root = std::move(root);
  return v;
}

}  // namespace

Result<RootfsView> open_copy_view(Engine& engine, const Container& c, std::string_view path,
                                  bool write) {
  std::vector<RecordedMount> mounts = TRY(recorded_mounts(c));
  // The path read as text (".." clamped at the top) to find the mount it is under, as
  // Docker does; it is then resolved in the root, mounts in place.
  std::string abs = clean_path(path);
  const RecordedMount* under = mount_of(mounts, abs);
  if (write) TRY(check_writable(c, under));
  if (under != nullptr && under->type == "tmpfs") return open_running_root(engine, c, under->dest);
  // Mounts made here must not reach the host's namespace: enter a private one before the
  // root is opened (an fd opened before would lead to the host's mount, not ours).
  TRY(enter_private_mount_namespace());
  RootfsView v = TRY(open_rootfs(engine, c));
  for (const auto& m : mounts) {
    auto r = m.type == "tmpfs" ? cover_tmpfs(v.root.get(), m) : bind_onto(v.root.get(), m);
    TRY_CTX(std::move(r), "mount {} for the copy", sys::printable_path(m.dest));
  }
  return v;
}

}  // namespace strata::container
