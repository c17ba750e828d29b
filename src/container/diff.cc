// SPDX-License-Identifier: Apache-2.0
// `diff`: the changes of a container's rw layer over its image's layers. Overlay: as
// Docker's overlay2 driver computes them (moby pkg/archive changes.go: a sorted walk of
// the upper directory, each entry looked up in the lowers); lookups in the layers go
// through openat2(RESOLVE_IN_ROOT): a symlink in a layer never leads out of it. Vfs: as
// Docker's vfs driver does (ChangesDirs: the container's tree compared with its image's,
// here the layers merged in memory by snapshot::LayerTree), in the same order and with
// the same rules as overlay's, so that both drivers list the same changes.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <algorithm>
#include <optional>
#include <set>

#include "archive/tar.h"
#include "container/fs.h"
#include "snapshot/copy.h"
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

// moby's sameFsTimeSpec: a zero nanosecond part on either side (a file system or a tar
// without them) matches any.
bool same_time(const struct timespec& a, const struct timespec& b) {
  return a.tv_sec == b.tv_sec && (a.tv_nsec == b.tv_nsec || a.tv_nsec == 0 || b.tv_nsec == 0);
}

// moby's statDifferent for what is not a directory.
bool same_entry(const struct stat& a, const struct stat& b) {
  return a.st_mode == b.st_mode && a.st_uid == b.st_uid && a.st_gid == b.st_gid &&
         a.st_rdev == b.st_rdev && a.st_size == b.st_size && same_time(a.st_mtim, b.st_mtim);
}

// A sorted walk of a vfs rootfs/ beside the merged layers' tree: each directory of the
// walk holds a cursor over the layers' directory at the same path, so an entry only the
// layers have is seen (and listed deleted) at its place in the order.
class CopyWalker {
 public:
  CopyWalker(const snapshot::LayerTree& tree, const std::vector<std::string>& skip)
      : tree_(tree), skip_(skip.begin(), skip.end()) {
    for (const auto& s : skip) skip_parents_.insert(parent_of(s));
  }
  Result<TreeChanges> run(int rootfs_fd);

 private:
  struct Frame {
    std::string path;  // "/a/b"; "/" for the root
    uint32_t node;     // the layers' directory here, or kNone
    std::map<std::string, uint32_t>::const_iterator next, end;
    size_t at;  // where a change of this directory itself goes in out_
    // Differs from the layers' only in mtime or size, as the parent of mount points
    // Strata made: listed changed once anything below it is (overlay's upper copy of it
    // then holds more than those points, and its mtime counts).
    bool pending = false;
  };
  void insert_change(size_t frame, const std::string& path);
  void push(std::string path, uint32_t node);
  Result<bool> enter(const sys::WalkEntry& w);
  std::optional<ChangeKind> kind_of(const sys::WalkEntry& w, const std::string& path,
                                    uint32_t lower) const;
  // Lists deleted what the layers hold in the top frame's directory before `name` (all
  // of it for nothing).
  void deletions_before(const std::string* name);
  void record(const std::string& path, ChangeKind kind, bool dir);
  std::string child(const std::string& name) const {
    const std::string& p = frames_.back().path;
    return (p == "/" ? "/" : p + "/") + name;
  }

  const snapshot::LayerTree& tree_;
  std::set<std::string> skip_, skip_parents_, changed_dirs_;
  std::vector<Frame> frames_;
  std::set<std::pair<dev_t, ino_t>> counted_;
  TreeChanges out_;
};

void CopyWalker::push(std::string path, uint32_t node) {
  Frame f{std::move(path), node, {}, {}, out_.changes.size()};
  if (node != snapshot::LayerTree::kNone) {
    f.next = tree_.node(node).children.begin();
    f.end = tree_.node(node).children.end();
  }
  frames_.push_back(std::move(f));
}

// As ChangeWalker::enter: the parent of an addition or a deletion is listed changed
// once, before what it holds (at the place its own change would have had).
// Lists frames_[frame]'s directory changed at its place; the frames below it move on.
void CopyWalker::insert_change(size_t frame, const std::string& path) {
  size_t at = frames_[frame].at;
  out_.changes.insert(out_.changes.begin() + static_cast<ptrdiff_t>(at),
                      {path, ChangeKind::kModify});
  for (size_t i = frame + 1; i < frames_.size(); ++i) ++frames_[i].at;
}

void CopyWalker::record(const std::string& path, ChangeKind kind, bool dir) {
  for (size_t i = 0; i < frames_.size(); ++i) {
    if (!frames_[i].pending) continue;
    frames_[i].pending = false;
    if (changed_dirs_.insert(frames_[i].path).second) insert_change(i, frames_[i].path);
  }
  if (dir) changed_dirs_.insert(path);
  if (kind != ChangeKind::kModify) {
    std::string parent = parent_of(path);
    if (parent != "/" && changed_dirs_.insert(parent).second)
      insert_change(frames_.size() - 1, parent);
  }
  out_.changes.push_back({path, kind});
}

void CopyWalker::deletions_before(const std::string* name) {
  Frame& f = frames_.back();
  if (f.node == snapshot::LayerTree::kNone) return;
  while (f.next != f.end && (name == nullptr || f.next->first < *name)) {
    bool visible = !tree_.node(f.next->second).whiteout;
    std::string path = child(f.next->first);
    ++f.next;
    if (visible) record(path, ChangeKind::kDelete, false);
  }
}

std::optional<ChangeKind> CopyWalker::kind_of(const sys::WalkEntry& w, const std::string& path,
                                              uint32_t lower) const {
  if (lower == snapshot::LayerTree::kNone) return ChangeKind::kAdd;
  const struct stat& l = tree_.node(lower).st;
  if (S_ISDIR(w.st.st_mode) && S_ISDIR(l.st_mode)) {
    // The parent of mount points Strata made: its mode and owner decide (its mtime moved
    // when they were made; anything else added or deleted in it lists it anyway).
    if (same_dir(w.st, l, !skip_parents_.count(path))) return std::nullopt;
    return ChangeKind::kModify;
  }
  if (same_entry(w.st, l)) return std::nullopt;
  return ChangeKind::kModify;
}

Result<bool> CopyWalker::enter(const sys::WalkEntry& w) {
  deletions_before(&w.name);
  Frame& f = frames_.back();
  uint32_t lower = snapshot::LayerTree::kNone;
  if (f.node != snapshot::LayerTree::kNone && f.next != f.end && f.next->first == w.name) {
    if (!tree_.node(f.next->second).whiteout) lower = f.next->second;
    ++f.next;
  }
  std::string path = child(w.name);
  if (skip_.count(path) && S_ISREG(w.st.st_mode) && w.st.st_size == 0) return false;
  bool dir = S_ISDIR(w.st.st_mode);
  auto kind = kind_of(w, path, lower);
  if (kind) {
    record(path, *kind, dir);
    bool sized = S_ISREG(w.st.st_mode) || S_ISLNK(w.st.st_mode);
    if (sized && (w.st.st_nlink == 1 || counted_.insert({w.st.st_dev, w.st.st_ino}).second))
      out_.bytes += static_cast<uint64_t>(w.st.st_size);
  }
  if (!dir) return false;
  bool lower_dir = lower != snapshot::LayerTree::kNone && S_ISDIR(tree_.node(lower).st.st_mode);
  bool pending = !kind && lower_dir && skip_parents_.count(path) &&
                 !same_dir(w.st, tree_.node(lower).st, true);
  push(std::move(path), lower_dir ? lower : snapshot::LayerTree::kNone);
  frames_.back().pending = pending;
  return true;
}

Result<TreeChanges> CopyWalker::run(int rootfs_fd) {
  push("/", snapshot::LayerTree::kRoot);
  sys::WalkVisitor v;
  v.sorted = true;
  v.enter = [&](const sys::WalkEntry& w) { return enter(w); };
  v.leave = [&](const sys::WalkEntry&) -> Result<void> {
    deletions_before(nullptr);
    frames_.pop_back();
    return {};
  };
  TRY(sys::walk_tree(rootfs_fd, v));
  deletions_before(nullptr);
  return std::move(out_);
}

}  // namespace

Result<TreeChanges> copy_changes(int rootfs_fd, const std::vector<int>& layer_fds,
                                 const std::vector<std::string>& skip) {
  snapshot::LayerTree tree = TRY(snapshot::LayerTree::build(layer_fds));
  return CopyWalker(tree, skip).run(rootfs_fd);
}

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
