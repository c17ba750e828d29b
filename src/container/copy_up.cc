// SPDX-License-Identifier: Apache-2.0
// Docker's volume copy-up: a new (empty) volume gets the image's content at its mount
// path. The source is the container's own overlay view, mounted for the copy; the path is
// opened inside it with RESOLVE_IN_ROOT (an image symlink such as /data -> /etc leads to
// the image's /etc, never the host's) and the tree is walked fd-relative without
// following symlinks; the copy is written fd-relative below the volume's directory.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "container/volumes.h"
#include "snapshot/snapshot.h"
#include "sys/fs.h"
#include "sys/io.h"
#include "sys/path_fd.h"
#include "util/defer.h"
#include "util/strings.h"

namespace strata::container {

namespace {

Error errno_at(std::string_view what, std::string_view path) {
  return Error::from_errno(errno, fmt::format("{} `{}`", what, sys::printable_path(path)));
}

bool is_empty_dir(const std::string& path) {
  auto fd = sys::open_dir(path);
  if (!fd.ok()) return false;
  bool empty = true;
  sys::WalkVisitor v;
  v.enter = [&](const sys::WalkEntry&) -> Result<bool> {
    empty = false;
    return false;
  };
  (void)sys::walk_tree(fd->get(), v);
  return empty;
}

Result<void> copy_bytes(int in, int out, std::string_view path) {
  while (true) {
    ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, 1 << 30, 0);
    if (n == 0) return {};
    if (n > 0) continue;
    if (errno == EINTR) continue;
    if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
      return errno_at("copy", path);
    break;  // not between these file systems: read and write
  }
  char buf[1 << 16];
  while (true) {
    ssize_t n = ::read(in, buf, sizeof buf);
    if (n == 0) return {};
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_at("read", path);
    }
    if (sys::write_all(out, std::string_view(buf, static_cast<size_t>(n))) < 0)
      return errno_at("write", path);
  }
}

// A symlink, and its owner and times, set by name without following it.
Result<void> copy_symlink(const sys::WalkEntry& e, int parent) {
  const struct stat& st = e.st;
  const char* name = e.name.c_str();
  std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
  ssize_t n = ::readlinkat(e.parent_fd, name, target.data(), target.size());
  if (n < 0 || static_cast<size_t>(n) >= target.size()) return errno_at("readlink", e.path);
  target.resize(static_cast<size_t>(n));
  if (::symlinkat(target.c_str(), parent, name) < 0) return errno_at("symlink", e.path);
  if (::fchownat(parent, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
    return errno_at("chown", e.path);
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (::utimensat(parent, name, times, AT_SYMLINK_NOFOLLOW) < 0)
    return errno_at("set times of", e.path);
  return {};
}

// What the copy of `e` gets made at `name`, as an fd: a directory open for what it will
// hold, a file open for writing, a node as an O_PATH fd (checked to be the node made).
Result<UniqueFd> make_copy(const sys::WalkEntry& e, int parent) {
  const struct stat& st = e.st;
  const char* name = e.name.c_str();
  if (S_ISDIR(st.st_mode)) {
    if (::mkdirat(parent, name, 0700) < 0) return errno_at("mkdir", e.path);
    UniqueFd made(::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!made.valid()) return errno_at("open", e.path);
    return made;
  }
  if (S_ISREG(st.st_mode)) {
    UniqueFd in = TRY_CTX(sys::open_path_checked(e.parent_fd, name, S_IFREG, "copied", &st),
                          "open `{}`", sys::printable_path(e.path));
    in = TRY_CTX(sys::reopen_path_fd(in.get(), O_RDONLY), "open `{}`", sys::printable_path(e.path));
    UniqueFd out(
        ::openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out.valid()) return errno_at("create", e.path);
    TRY(copy_bytes(in.get(), out.get(), e.path));
    return out;
  }
  if (::mknodat(parent, name, st.st_mode, st.st_rdev) < 0) return errno_at("mknod", e.path);
  return TRY_CTX(sys::open_path_checked(parent, name, st.st_mode, "copied"), "open `{}`",
                 sys::printable_path(e.path));
}

// One entry of the image's tree, made below `parent` (the copy's directory for the
// entry's own parent); a directory's fd comes back for what it holds. Owner, mode and
// times are set on the fd of what was made, never by name: a name in a volume can be
// swapped for a symlink to a host path by another container using it, and chmod follows
// links.
Result<UniqueFd> copy_entry(const sys::WalkEntry& e, int parent) {
  const struct stat& st = e.st;
  if (S_ISLNK(st.st_mode)) {
    TRY(copy_symlink(e, parent));
    return UniqueFd();
  }
  UniqueFd made = TRY(make_copy(e, parent));
  // Owner before mode: chown clears the set-id bits.
  TRY_CTX(sys::chown_path_fd(made.get(), st.st_uid, st.st_gid), "`{}`",
          sys::printable_path(e.path));
  TRY_CTX(sys::chmod_path_fd(made.get(), st.st_mode & 07777), "`{}`", sys::printable_path(e.path));
  if (S_ISDIR(st.st_mode)) return made;
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  TRY_CTX(sys::set_times_path_fd(made.get(), times), "`{}`", sys::printable_path(e.path));
  return UniqueFd();
}

// Copies what src_fd holds into dst_fd (both directories), and src's owner and mode
// onto dst as Docker does. Open fds: one per level of the tree being copied.
Result<void> copy_tree(int src_fd, int dst_fd) {
  std::vector<UniqueFd> dirs;  // dirs[d]: the copy's directory at depth d (0: dst itself)
  dirs.emplace_back(::fcntl(dst_fd, F_DUPFD_CLOEXEC, 0));
  if (!dirs[0].valid()) return Error::from_errno(errno, "dup");
  std::vector<struct stat> dir_stats(1);
  auto depth = [](std::string_view p) {
    return static_cast<size_t>(std::count(p.begin(), p.end(), '/'));
  };
  sys::WalkVisitor v;
  v.enter = [&](const sys::WalkEntry& e) -> Result<bool> {
    size_t d = depth(e.path);
    dirs.resize(d + 1);
    dir_stats.resize(d + 1);
    UniqueFd made = TRY(copy_entry(e, dirs[d].get()));
    if (made.valid()) {
      dirs.push_back(std::move(made));
      dir_stats.push_back(e.st);
    }
    return true;
  };
  v.leave = [&](const sys::WalkEntry& e) -> Result<void> {
    // A directory's times after what it holds was made (which changed them).
    size_t d = depth(e.path) + 1;
    if (d < dirs.size()) {
      struct timespec times[2] = {e.st.st_atim, e.st.st_mtim};
      if (::futimens(dirs[d].get(), times) < 0) return errno_at("set times of", e.path);
      dirs.resize(d);
    }
    return {};
  };
  TRY(sys::walk_tree(src_fd, v));
  struct stat st;
  if (::fstat(src_fd, &st) < 0) return Error::from_errno(errno, "stat");
  if (::fchown(dst_fd, st.st_uid, st.st_gid) < 0) return Error::from_errno(errno, "chown volume");
  if (::fchmod(dst_fd, st.st_mode & 07777) < 0) return Error::from_errno(errno, "chmod volume");
  return {};
}

// Mounts the container's overlay on <dir>/merged. snapshot::mount takes its layer
// paths relative to the store root (so that 200 layers fit one mount(2) page): the
// working directory is the root for that one call and restored after. The CLI runs
// this before any thread of its own.
Result<void> mount_view(store::Store& store, const snapshot::Layout& layout) {
  UniqueFd cwd(::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (::chdir(store.root().c_str()) < 0)
    return Error::from_errno(errno, fmt::format("chdir `{}`", store.root()));
  auto r = snapshot::mount(layout);
  if (!cwd.valid() || ::fchdir(cwd.get()) < 0) (void)::chdir("/");
  return r;
}

}  // namespace

Result<void> copy_up(store::Store& store, const snapshot::Layout& layout, snapshot::Driver driver,
                     const std::vector<std::pair<std::string, std::string>>& todo) {
  std::vector<std::pair<std::string, std::string>> empty;
  for (const auto& t : todo)
    if (is_empty_dir(t.second)) empty.push_back(t);
  if (empty.empty()) return {};
  const auto& back_end = snapshot::snapshotter(driver);
  std::string merged = store.root() + "/" + layout.merged();
  if (back_end.mounted()) TRY_CTX(mount_view(store, layout), "copy image content into volumes");
  Defer unmount([&] {
    if (back_end.mounted()) (void)snapshot::unmount(merged);
  });
  auto root = TRY(sys::open_dir(store.root() + "/" + back_end.rootfs(layout)));
  for (const auto& [target, data] : empty) {
    auto src = sys::open_in_root(root.get(), target.substr(1), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (!src.ok()) {
      int err = src.error().sys_errno();
      if (err == ENOENT || err == ENOTDIR) continue;  // nothing there in the image
      return std::move(src).error().context(fmt::format("copy-up of {}", target));
    }
    auto dst = TRY(sys::open_dir(data));
    TRY_CTX(copy_tree(src->get(), dst.get()), "copy-up of {}", printable(target));
  }
  return {};
}

}  // namespace strata::container
