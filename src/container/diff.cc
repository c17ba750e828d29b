// SPDX-License-Identifier: Apache-2.0
// `diff`: the changes of a container's overlay upper/ over its image's layers, computed
// as Docker's overlay2 driver does (moby pkg/archive changes.go: a sorted walk of the
// upper directory, each entry looked up in the lowers). Lookups in the layers go through
// openat2(RESOLVE_IN_ROOT): a symlink in a layer never leads out of it.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <algorithm>
#include <set>

#include "archive/tar.h"
#include "container/fs.h"
#include "sys/fs.h"
#include "util/strings.h"

namespace strata::container {

namespace {

bool is_whiteout(const struct stat& st) {
  return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
}

bool is_opaque(int dir_fd) {
  char v = 0;
  return ::fgetxattr(dir_fd, archive::kOverlayOpaqueXattr, &v, 1) == 1 && v == 'y';
}

std::string parent_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

// The entry `rel` in the topmost lower that has one; nothing if none has it or the
// topmost one is a whiteout (the path was deleted below).
Result<std::optional<struct stat>> lookup_lower(const std::vector<int>& lowers,
                                                std::string_view rel) {
  for (int fd : lowers) {
    auto f = sys::open_in_root(fd, rel, O_PATH | O_NOFOLLOW);
    if (!f.ok()) {
      int e = f.error().sys_errno();
      if (e == ENOENT || e == ENOTDIR) continue;
      return std::move(f).error();
    }
    struct stat st;
    if (::fstat(f->get(), &st) < 0)
      return Error::from_errno(errno, fmt::format("stat `{}`", sys::printable_path(rel)));
    if (is_whiteout(st)) return std::optional<struct stat>();
    return std::optional<struct stat>(st);
  }
  return std::optional<struct stat>();
}

bool same_dir(const struct stat& a, const struct stat& b, bool mtime_counts) {
  if (a.st_mode != b.st_mode || a.st_uid != b.st_uid || a.st_gid != b.st_gid) return false;
  if (!mtime_counts) return true;
  return a.st_size == b.st_size && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
         a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

class ChangeWalker {
 public:
  ChangeWalker(const std::vector<int>& lowers, const std::vector<std::string>& skip)
      : lowers_(lowers), skip_(skip.begin(), skip.end()) {
    for (const auto& s : skip) skip_parents_.insert(parent_of(s));
  }
  Result<bool> enter(const sys::WalkEntry& w);
  std::vector<Change> take() { return std::move(out_); }

 private:
  Result<std::optional<ChangeKind>> kind_of(const sys::WalkEntry& w, const std::string& path);
  Result<bool> holds_only(int dir_fd, const std::string& path);
  const std::vector<int>& lowers_;
  std::set<std::string> skip_, skip_parents_, changed_dirs_;
  std::vector<Change> out_;
};

// Whether the directory holds nothing but skipped paths.
Result<bool> ChangeWalker::holds_only(int dir_fd, const std::string& path) {
  bool only = true;
  sys::WalkVisitor v;
  v.enter = [&](const sys::WalkEntry& w) -> Result<bool> {
    if (!skip_.count(path + "/" + w.name)) only = false;
    return false;
  };
  TRY(sys::walk_tree(dir_fd, v));
  return only;
}

// Nothing: the entry is not a change of its own (an unchanged directory).
Result<std::optional<ChangeKind>> ChangeWalker::kind_of(const sys::WalkEntry& w,
                                                        const std::string& path) {
  if (is_whiteout(w.st)) return std::optional<ChangeKind>(ChangeKind::kDelete);
  auto lower = TRY(lookup_lower(lowers_, w.path));
  if (S_ISDIR(w.st.st_mode) && is_opaque(w.fd) && lower)
    return std::optional<ChangeKind>(ChangeKind::kDelete);
  if (!lower) return std::optional<ChangeKind>(ChangeKind::kAdd);
  // The parent of mount points Strata made, changed only by holding them: its mode and
  // owner decide (Docker keeps such points in its init layer).
  bool only_mount_points = skip_parents_.count(path) && TRY(holds_only(w.fd, path));
  if (S_ISDIR(w.st.st_mode) && S_ISDIR(lower->st_mode) &&
      same_dir(w.st, *lower, !only_mount_points))
    return std::optional<ChangeKind>();
  return std::optional<ChangeKind>(ChangeKind::kModify);
}

Result<bool> ChangeWalker::enter(const sys::WalkEntry& w) {
  std::string path = "/" + std::string(w.path);
  if (skip_.count(path) && S_ISREG(w.st.st_mode) && w.st.st_size == 0) return false;
  auto kind = TRY(kind_of(w, path));
  if (!kind) return true;
  if (S_ISDIR(w.st.st_mode)) changed_dirs_.insert(path);
  if (*kind != ChangeKind::kModify) {
    std::string parent = parent_of(path);
    if (parent != "/" && changed_dirs_.insert(parent).second)
      out_.push_back({parent, ChangeKind::kModify});
  }
  out_.push_back({path, *kind});
  return true;
}

}  // namespace

char change_letter(ChangeKind k) {
  switch (k) {
    case ChangeKind::kModify:
      return 'C';
    case ChangeKind::kAdd:
      return 'A';
    case ChangeKind::kDelete:
      return 'D';
  }
  return '?';
}

const std::vector<std::string>& generated_mount_points() {
  static const std::vector<std::string> kPoints = {"/etc/hostname", "/etc/hosts",
                                                   "/etc/resolv.conf"};
  return kPoints;
}

bool is_generated_mount_point(std::string_view rel, const struct stat& st) {
  if (!S_ISREG(st.st_mode) || st.st_size != 0) return false;
  const auto& points = generated_mount_points();
  return std::any_of(points.begin(), points.end(),
                     [&](const std::string& p) { return std::string_view(p).substr(1) == rel; });
}

Result<std::vector<Change>> overlay_changes(int upper_fd, const std::vector<int>& lower_fds,
                                            const std::vector<std::string>& skip) {
  ChangeWalker walker(lower_fds, skip);
  sys::WalkVisitor v;
  v.sorted = true;
  v.enter = [&](const sys::WalkEntry& w) { return walker.enter(w); };
  TRY(sys::walk_tree(upper_fd, v));
  return walker.take();
}

}  // namespace strata::container
