// SPDX-License-Identifier: Apache-2.0
// The overlay back-end: the rw layer's directories, the mount option string, mounting and
// unmounting (by the monitor), and the probe that decides whether a store can use it.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "snapshot/snapshot.h"
#include "sys/fs.h"
#include "util/strings.h"

namespace strata::snapshot {

namespace {

constexpr size_t kMaxOptionBytes = 4095;  // one page, less its NUL

Result<void> make_dir(int root_fd, const std::string& path, mode_t mode) {
  if (::mkdirat(root_fd, path.c_str(), mode) < 0 && errno != EEXIST)
    return Error::from_errno(errno, fmt::format("mkdir `{}`", path));
  return {};
}

// Overlay's option syntax: ',' separates options and ':' layers, '\' escapes.
bool plain_name(std::string_view s) {
  return !s.empty() && s.find_first_of(",:\\=") == std::string_view::npos;
}

Result<uint64_t> mount_id(const std::string& path) {
  struct statx st;
  if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &st) < 0)
    return Error::from_errno(errno, fmt::format("statx `{}`", path));
  return static_cast<uint64_t>(st.stx_mnt_id);
}

}  // namespace

Result<void> create(int root_fd, const Layout& l) {
  TRY(make_dir(root_fd, l.upper(), 0755));
  TRY(make_dir(root_fd, l.work(), 0700));
  TRY(make_dir(root_fd, l.merged(), 0755));
  return {};
}

Result<std::string> overlay_options(const Layout& l) {
  std::string lower;
  std::set<std::string_view> seen;
  for (const auto& name : l.lowers) {
    if (!plain_name(name))
      return Error::make(Errc::kInvalidArgument,
                         fmt::format("overlay layer `{}`: not a plain name", printable(name)));
    if (!seen.insert(name).second) continue;  // keeps the topmost place of a repeated layer
    lower += (lower.empty() ? "" : ":") + name;
  }
  if (seen.empty()) return Error::make(Errc::kInvalidArgument, "overlay: no layers");
  if (seen.size() > kMaxLowers)
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("overlay: {} layers, at most {}", seen.size(), kMaxLowers));
  for (const auto& d : {l.upper(), l.work()})
    if (!plain_name(d))
      return Error::make(Errc::kInvalidArgument,
                         fmt::format("overlay directory `{}`: not a plain name", printable(d)));
  std::string opts = fmt::format("lowerdir={},upperdir={},workdir={}", lower, l.upper(), l.work());
  if (opts.size() > kMaxOptionBytes)
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("overlay: the options of {} layers take {} bytes, at most {}",
                                   seen.size(), opts.size(), kMaxOptionBytes));
  return opts;
}

Result<void> mount(const Layout& l) {
  std::string opts = TRY(overlay_options(l));
  TRY(unmount(l.merged()));
  if (::mount("overlay", l.merged().c_str(), "overlay", 0, opts.c_str()) < 0)
    return Error::from_errno(errno, fmt::format("mount overlay on `{}`", l.merged()));
  return {};
}

Result<void> unmount(const std::string& path) {
  for (int i = 0; i < 64 && is_mounted(path); ++i) {  // a crash may have left several
    if (::umount2(path.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) < 0) {
      if (errno == EINVAL || errno == ENOENT) return {};
      return Error::from_errno(errno, fmt::format("unmount `{}`", path));
    }
  }
  return {};
}

bool is_mounted(const std::string& path) {
  auto self = mount_id(path);
  auto parent = mount_id(path + "/..");
  return self.ok() && parent.ok() && *self != *parent;
}

namespace {

// The messages the kernel queued on a file system context ("e overlay: ..." lines).
std::string context_messages(int fs_fd) {
  std::string out;
  char buf[1024];
  while (true) {
    ssize_t n = ::read(fs_fd, buf, sizeof buf);
    if (n <= 0) break;
    std::string_view line(buf, static_cast<size_t>(n));
    if (line.size() > 2 && line[1] == ' ') line.remove_prefix(2);  // "e ", "w ", "i "
    out += (out.empty() ? "" : "; ") + std::string(trim(line));
  }
  return out;
}

// Kernels before the new mount API (5.2): a real mount, detached at once.
Result<std::string> probe_with_mount(const std::string& scratch, const std::string& opts) {
  std::string merged = scratch + "/merged";
  if (::mount("overlay", merged.c_str(), "overlay", 0, opts.c_str()) < 0)
    return std::string(std::strerror(errno));
  TRY(unmount(merged));
  return std::string();
}

}  // namespace

Result<std::string> probe_overlay(const std::string& scratch) {
  for (const char* d : {"/lower", "/upper", "/work", "/merged"})
    TRY(sys::mkdir_p(scratch + d, 0700));
  UniqueFd fs(static_cast<int>(::syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC)));
  if (!fs.valid()) {
    if (errno == ENOSYS)
      return probe_with_mount(scratch, fmt::format("lowerdir={0}/lower,upperdir={0}/upper,"
                                                   "workdir={0}/work",
                                                   scratch));
    return fmt::format("fsopen overlay: {}", std::strerror(errno));
  }
  for (const char* d : {"lower", "upper", "work"}) {
    std::string key = std::string(d) + "dir", value = scratch + "/" + d;
    if (::syscall(SYS_fsconfig, fs.get(), FSCONFIG_SET_STRING, key.c_str(), value.c_str(), 0) < 0) {
      int err = errno;
      std::string why = context_messages(fs.get());
      return why.empty() ? fmt::format("overlay {}: {}", key, std::strerror(err)) : why;
    }
  }
  if (::syscall(SYS_fsconfig, fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) {
    int err = errno;
    std::string why = context_messages(fs.get());
    return why.empty() ? fmt::format("mount overlay: {}", std::strerror(err)) : why;
  }
  return std::string();  // the superblock goes with the fd, never having been mounted
}

}  // namespace strata::snapshot
