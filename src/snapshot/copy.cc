// SPDX-License-Identifier: Apache-2.0
// The vfs back-end: the layers merged in memory (LayerTree) and that tree copied into a
// container's rootfs/ (Copier), fd-relative below the destination.
#include "snapshot/copy.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "sys/fs.h"
#include "util/strings.h"

namespace strata::snapshot {

namespace {

// archive/tar.h's kOverlayOpaqueXattr (snapshot/ sits below archive/).
constexpr const char* kOpaqueXattr = "trusted.overlay.opaque";

bool is_whiteout(const struct stat& st) {
  return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
}

bool is_opaque(int dir_fd) {
  char v = 0;
  return ::fgetxattr(dir_fd, kOpaqueXattr, &v, 1) == 1 && v == 'y';
}

bool is_overlay_xattr(std::string_view name) {
  return name.starts_with("trusted.overlay.") || name.starts_with("user.overlay.");
}

std::string proc_path(int dir, const char* name) {
  return fmt::format("/proc/self/fd/{}/{}", dir, name);
}

}  // namespace

uint32_t LayerTree::find(uint32_t dir, const std::string& name) const {
  const auto& children = nodes_[dir].children;
  auto it = children.find(name);
  if (it == children.end() || nodes_[it->second].whiteout) return kNone;
  return it->second;
}

Result<LayerTree> LayerTree::build(const std::vector<int>& layers) {
  if (layers.empty()) return Error::make(Errc::kInvalidArgument, "no layers");
  if (layers.size() >= kNone) return Error::make(Errc::kInvalidArgument, "too many layers");
  LayerTree t;
  t.nodes_.emplace_back();
  if (::fstat(layers[0], &t.nodes_[kRoot].st) < 0)
    return Error::from_errno(errno, "stat the topmost layer");
  std::vector<std::pair<dev_t, ino_t>> seen;
  for (uint32_t i = 0; i < layers.size(); ++i) {
    struct stat st;
    if (::fstat(layers[i], &st) < 0)
      return Error::from_errno(errno, fmt::format("stat layer {}", i));
    if (std::find(seen.begin(), seen.end(), std::pair(st.st_dev, st.st_ino)) != seen.end())
      continue;
    seen.emplace_back(st.st_dev, st.st_ino);
    TRY_CTX(t.add_layer(i, layers[i]), "layer {}", i);
  }
  return t;
}

// Overlay's lookup, top down: an entry of this layer is hidden by an upper entry of the
// same path unless both are directories and no layer from that one to the one above
// this made the directory opaque; a new name is visible (a whiteout, as a marker).
Result<void> LayerTree::add_layer(uint32_t index, int fd) {
  if (nodes_[kRoot].sealed < index) return {};  // an opaque root above hides it whole
  if (is_opaque(fd)) nodes_[kRoot].sealed = std::min(nodes_[kRoot].sealed, index);
  std::vector<uint32_t> dirs = {kRoot};  // dirs[d]: the node of the directory at depth d
  sys::WalkVisitor v;
  v.enter = [&](const sys::WalkEntry& e) -> Result<bool> {
    size_t depth = static_cast<size_t>(std::count(e.path.begin(), e.path.end(), '/'));
    dirs.resize(depth + 1);
    uint32_t parent = dirs[depth];
    bool dir = S_ISDIR(e.st.st_mode);
    if (auto it = nodes_[parent].children.find(e.name); it != nodes_[parent].children.end()) {
      Node& upper = nodes_[it->second];
      if (upper.whiteout || !S_ISDIR(upper.st.st_mode) || !dir || upper.sealed < index)
        return false;
      if (is_opaque(e.fd)) upper.sealed = std::min(upper.sealed, index);
      dirs.push_back(it->second);
      return true;
    }
    if (nodes_.size() >= kNone)
      return Error::make(Errc::kInvalidArgument, "more entries than a tree holds");
    auto id = static_cast<uint32_t>(nodes_.size());
    Node n;
    n.name = e.name;
    n.st = e.st;
    n.layer = index;
    n.whiteout = is_whiteout(e.st);
    if (dir && is_opaque(e.fd)) n.sealed = index;
    nodes_.push_back(std::move(n));
    nodes_[parent].children.emplace(e.name, id);
    if (!dir) return false;
    dirs.push_back(id);
    return true;
  };
  return sys::walk_tree(fd, v);
}

namespace {

Error errno_at(std::string_view what, std::string_view path) {
  return Error::from_errno(errno, fmt::format("{} `{}`", what, sys::printable_path(path)));
}

Result<std::string> read_names(const XattrEnd& e) {
  std::string path = e.fd < 0 ? proc_path(e.dir, e.name) : "";
  std::string buf;
  while (true) {
    ssize_t n = e.fd >= 0 ? ::flistxattr(e.fd, nullptr, 0) : ::llistxattr(path.c_str(), nullptr, 0);
    if (n < 0 && (errno == ENOTSUP || errno == EOPNOTSUPP)) return std::string();
    if (n < 0) return Error::from_errno(errno, "list xattrs");
    buf.resize(static_cast<size_t>(n));
    n = e.fd >= 0 ? ::flistxattr(e.fd, buf.data(), buf.size())
                  : ::llistxattr(path.c_str(), buf.data(), buf.size());
    if (n < 0 && errno == ERANGE) continue;  // grew meanwhile
    if (n < 0) return Error::from_errno(errno, "list xattrs");
    buf.resize(static_cast<size_t>(n));
    return buf;
  }
}

Result<std::string> read_value(const XattrEnd& e, const char* name) {
  std::string path = e.fd < 0 ? proc_path(e.dir, e.name) : "";
  std::string buf;
  while (true) {
    ssize_t n = e.fd >= 0 ? ::fgetxattr(e.fd, name, nullptr, 0)
                          : ::lgetxattr(path.c_str(), name, nullptr, 0);
    if (n < 0) return Error::from_errno(errno, fmt::format("get xattr `{}`", printable(name)));
    buf.resize(static_cast<size_t>(n));
    n = e.fd >= 0 ? ::fgetxattr(e.fd, name, buf.data(), buf.size())
                  : ::lgetxattr(path.c_str(), name, buf.data(), buf.size());
    if (n < 0 && errno == ERANGE) continue;
    if (n < 0) return Error::from_errno(errno, fmt::format("get xattr `{}`", printable(name)));
    buf.resize(static_cast<size_t>(n));
    return buf;
  }
}

}  // namespace

Result<void> copy_xattrs(const XattrEnd& src, const XattrEnd& dst) {
  std::string names = TRY(read_names(src));
  std::string dst_path = dst.fd < 0 ? proc_path(dst.dir, dst.name) : "";
  for (size_t at = 0; at < names.size();) {
    const char* name = names.c_str() + at;
    at += std::strlen(name) + 1;
    if (is_overlay_xattr(name)) continue;
    std::string value = TRY(read_value(src, name));
    int rc = dst.fd >= 0 ? ::fsetxattr(dst.fd, name, value.data(), value.size(), 0)
                         : ::lsetxattr(dst_path.c_str(), name, value.data(), value.size(), 0);
    if (rc < 0) return Error::from_errno(errno, fmt::format("set xattr `{}`", printable(name)));
  }
  return {};
}

namespace {

// [off, off+len) of in to the same offsets of out: in the kernel where it can be.
Result<void> copy_range(int in, int out, off_t off, off_t len) {
  off_t in_off = off, out_off = off, end = off + len;
  while (in_off < end) {
    ssize_t n = ::copy_file_range(in, &in_off, out, &out_off, static_cast<size_t>(end - in_off), 0);
    if (n > 0) continue;
    if (n == 0) return {};  // the file shrank meanwhile
    if (errno == EINTR) continue;
    if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
      return Error::from_errno(errno, "copy_file_range");
    break;  // not between these file systems: read and write
  }
  char buf[1 << 16];
  while (in_off < end) {
    ssize_t n =
        ::pread(in, buf, std::min<size_t>(sizeof buf, static_cast<size_t>(end - in_off)), in_off);
    if (n == 0) return {};
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::from_errno(errno, "read");
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::pwrite(out, buf + done, static_cast<size_t>(n - done), out_off);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return Error::from_errno(errno, "write");
      done += w;
      out_off += w;
    }
    in_off += n;
  }
  return {};
}

// A clone where the file system shares extents (btrfs, XFS), else the data ranges only:
// holes stay holes.
Result<void> copy_data(int in, int out, off_t size) {
  if (size == 0) return {};
  if (::ioctl(out, FICLONE, in) == 0) return {};
  for (off_t off = 0; off < size;) {
    off_t data = ::lseek(in, off, SEEK_DATA);
    if (data < 0 && errno == ENXIO) break;  // a hole to the end
    if (data < 0 && errno != EINVAL) return Error::from_errno(errno, "seek data");
    if (data < 0) data = off;  // no SEEK_DATA here: all data
    off_t hole = ::lseek(in, data, SEEK_HOLE);
    if (hole < 0 || hole > size) hole = size;
    TRY(copy_range(in, out, data, hole - data));
    off = hole;
  }
  if (::ftruncate(out, size) < 0) return Error::from_errno(errno, "truncate");
  return {};
}

// Walks a LayerTree depth first and makes each entry below the destination, reading it
// from its own layer. Only the current directory is open, on both sides: the copy's
// parent is reopened through ".." (checked to be the directory it left), a layer's
// directory by its path when an entry of that layer is next read there.
class Copier {
 public:
  Copier(const LayerTree& tree, const std::vector<int>& layers, int dest)
      : tree_(tree), layers_(layers), dest_(dest) {}
  Result<void> run();

 private:
  struct Frame {
    uint32_t node;
    std::map<std::string, uint32_t>::const_iterator next, end;
    dev_t dev;  // the copy's directory, to check ".." against on the way back
    ino_t ino;
    size_t path_len = 0;  // of path_ before this directory's name
  };
  Result<int> source_dir(uint32_t layer);
  Result<UniqueFd> copy_node(const LayerTree::Node& n, const std::string& rel);
  Result<void> copy_file(int src, const LayerTree::Node& n);
  Result<void> copy_special(int src, const LayerTree::Node& n);
  Result<void> push(uint32_t node, UniqueFd dir);
  Result<void> pop();

  const LayerTree& tree_;
  const std::vector<int>& layers_;
  int dest_;
  std::vector<Frame> stack_;
  std::string path_;  // of the directory on top of the stack: "" or "a/b"
  UniqueFd dst_;      // ... its copy
  uint32_t src_layer_ = LayerTree::kNone;
  UniqueFd src_;                                             // ... in layer src_layer_
  std::map<std::pair<uint32_t, ino_t>, std::string> links_;  // first copy of a hardlink
};

// The top directory in `layer` (a node's path there is real directories: the walk that
// found it came through them).
Result<int> Copier::source_dir(uint32_t layer) {
  if (path_.empty()) return layers_[layer];
  if (src_layer_ != layer) {
    src_ = TRY(sys::open_in_root(layers_[layer], path_, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    src_layer_ = layer;
  }
  return src_.get();
}

Result<void> Copier::copy_file(int src, const LayerTree::Node& n) {
  const char* name = n.name.c_str();
  UniqueFd in(::openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!in.valid()) return Error::from_errno(errno, "open");
  UniqueFd out(
      ::openat(dst_.get(), name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!out.valid()) return Error::from_errno(errno, "create");
  TRY(copy_data(in.get(), out.get(), n.st.st_size));
  // Owner before mode and xattrs: chown clears the set-id bits and security.capability.
  if (::fchown(out.get(), n.st.st_uid, n.st.st_gid) < 0) return Error::from_errno(errno, "chown");
  if (::fchmod(out.get(), n.st.st_mode & 07777) < 0) return Error::from_errno(errno, "chmod");
  TRY(copy_xattrs({in.get()}, {out.get()}));
  struct timespec times[2] = {n.st.st_atim, n.st.st_mtim};
  if (::futimens(out.get(), times) < 0) return Error::from_errno(errno, "set times");
  return {};
}

// Symlinks, device nodes, fifos and sockets: made from their lstat, never opened.
Result<void> Copier::copy_special(int src, const LayerTree::Node& n) {
  const char* name = n.name.c_str();
  const struct stat& st = n.st;
  int dst = dst_.get();
  if (S_ISLNK(st.st_mode)) {
    std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
    ssize_t len = ::readlinkat(src, name, target.data(), target.size());
    if (len < 0 || static_cast<size_t>(len) >= target.size())
      return Error::from_errno(len < 0 ? errno : ENAMETOOLONG, "readlink");
    target.resize(static_cast<size_t>(len));
    if (::symlinkat(target.c_str(), dst, name) < 0) return Error::from_errno(errno, "symlink");
  } else if (::mknodat(dst, name, st.st_mode & (S_IFMT | 07777), st.st_rdev) < 0) {
    return Error::from_errno(errno, "mknod");
  }
  if (::fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
    return Error::from_errno(errno, "chown");
  if (!S_ISLNK(st.st_mode) && ::fchmodat(dst, name, st.st_mode & 07777, 0) < 0)
    return Error::from_errno(errno, "chmod");
  TRY(copy_xattrs({-1, src, name}, {-1, dst, name}));
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (::utimensat(dst, name, times, AT_SYMLINK_NOFOLLOW) < 0)
    return Error::from_errno(errno, "set times");
  return {};
}

// Copies one entry into the top directory; a directory comes back open, its times set
// once everything in it is made.
Result<UniqueFd> Copier::copy_node(const LayerTree::Node& n, const std::string& rel) {
  int src = TRY(source_dir(n.layer));
  const char* name = n.name.c_str();
  if (!S_ISDIR(n.st.st_mode) && n.st.st_nlink > 1) {
    auto [it, first] = links_.try_emplace({n.layer, n.st.st_ino}, rel);
    if (!first) {
      // The destination is this copy's own, not yet seen by anyone: a path into it
      // holds no symlink it did not make from a directory.
      if (::linkat(dest_, it->second.c_str(), dst_.get(), name, 0) < 0)
        return Error::from_errno(errno,
                                 fmt::format("link to `{}`", sys::printable_path(it->second)));
      return UniqueFd();
    }
  }
  if (S_ISREG(n.st.st_mode)) {
    TRY(copy_file(src, n));
    return UniqueFd();
  }
  if (!S_ISDIR(n.st.st_mode)) {
    TRY(copy_special(src, n));
    return UniqueFd();
  }
  if (::mkdirat(dst_.get(), name, 0700) < 0) return Error::from_errno(errno, "mkdir");
  UniqueFd made(::openat(dst_.get(), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!made.valid()) return Error::from_errno(errno, "open the copy");
  UniqueFd in(::openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!in.valid()) return Error::from_errno(errno, "open");
  if (::fchown(made.get(), n.st.st_uid, n.st.st_gid) < 0) return Error::from_errno(errno, "chown");
  if (::fchmod(made.get(), n.st.st_mode & 07777) < 0) return Error::from_errno(errno, "chmod");
  TRY(copy_xattrs({in.get()}, {made.get()}));
  return made;
}

Result<void> Copier::push(uint32_t node, UniqueFd dir) {
  struct stat st;
  if (::fstat(dir.get(), &st) < 0) return errno_at("stat", path_);
  const LayerTree::Node& n = tree_.node(node);
  stack_.push_back({node, n.children.begin(), n.children.end(), st.st_dev, st.st_ino});
  dst_ = std::move(dir);
  src_layer_ = LayerTree::kNone;
  src_.reset();
  return {};
}

// Leaves the top directory, giving its copy its times, for its parent.
Result<void> Copier::pop() {
  const struct stat& st = tree_.node(stack_.back().node).st;
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (::futimens(dst_.get(), times) < 0) return errno_at("set times of", path_);
  UniqueFd up(::openat(dst_.get(), "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!up.valid()) return errno_at("open the parent of", path_);
  path_.resize(stack_.back().path_len);
  stack_.pop_back();
  struct stat now;
  if (::fstat(up.get(), &now) < 0) return errno_at("stat", path_);
  if (now.st_dev != stack_.back().dev || now.st_ino != stack_.back().ino)
    return Error::make(Errc::kCorrupt, fmt::format("the copy's `{}` moved during the copy",
                                                   sys::printable_path(path_)));
  dst_ = std::move(up);
  src_layer_ = LayerTree::kNone;
  src_.reset();
  return {};
}

Result<void> Copier::run() {
  // The root as overlay shows it: the upper directory's, which create() makes 0755.
  if (::fchown(dest_, 0, 0) < 0 || ::fchmod(dest_, 0755) < 0)
    return Error::from_errno(errno, "set the root's owner and mode");
  UniqueFd root(::fcntl(dest_, F_DUPFD_CLOEXEC, 0));
  if (!root.valid()) return Error::from_errno(errno, "dup");
  TRY(push(LayerTree::kRoot, std::move(root)));
  while (true) {
    Frame& f = stack_.back();
    if (f.next == f.end) {
      if (stack_.size() == 1) return {};
      TRY(pop());
      continue;
    }
    uint32_t id = f.next->second;
    ++f.next;
    const LayerTree::Node& n = tree_.node(id);
    if (n.whiteout) continue;
    std::string rel = path_.empty() ? n.name : path_ + "/" + n.name;
    UniqueFd sub = TRY_CTX(copy_node(n, rel), "`{}`", sys::printable_path(rel));
    if (!sub.valid()) continue;
    size_t len = path_.size();
    path_ = std::move(rel);
    TRY(push(id, std::move(sub)));  // invalidates f
    stack_.back().path_len = len;
  }
}

}  // namespace

Result<void> copy_layers(const std::vector<int>& layers, int dest_fd) {
  LayerTree tree = TRY(LayerTree::build(layers));
  return Copier(tree, layers, dest_fd).run();
}

}  // namespace strata::snapshot
