// SPDX-License-Identifier: Apache-2.0
#include "snapshot/snapshot.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <set>

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

}  // namespace strata::snapshot
