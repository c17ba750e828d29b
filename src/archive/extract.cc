// SPDX-License-Identifier: Apache-2.0
// Safe, fd-relative tar extraction (see tar.h for the rules it keeps).
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <optional>
#include <vector>

#include "archive/tar.h"
#include "archive/tar_io.h"
#include "sys/fs.h"
#include "sys/path_fd.h"
#include "util/strings.h"

namespace strata::archive {

Result<std::string> clean_entry_path(std::string_view name) {
  if (name.starts_with("/"))
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("tar entry `{}`: absolute path", sys::printable_path(name)));
  std::string out;
  for (const auto& part : split(name, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..")
      return Error::make(
          Errc::kInvalidArgument,
          fmt::format("tar entry `{}`: \"..\" escapes the layer", sys::printable_path(name)));
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

namespace {

std::pair<std::string, std::string> split_parent(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return {"", path};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

void entry_times(struct archive_entry* e, struct timespec t[2]) {
  t[1].tv_sec = archive_entry_mtime(e);
  t[1].tv_nsec = archive_entry_mtime_nsec(e);
  if (archive_entry_atime_is_set(e)) {
    t[0].tv_sec = archive_entry_atime(e);
    t[0].tv_nsec = archive_entry_atime_nsec(e);
  } else {
    t[0] = t[1];
  }
}

// xattrs a layer may not carry: overlayfs metadata (redirects, opaque directories,
// metacopy), in the trusted namespace and in the user namespace that a rootless overlay
// (mounted with userxattr) reads instead.
bool is_overlay_xattr(std::string_view name) {
  return name.starts_with("trusted.overlay.") || name.starts_with("user.overlay.");
}

// The bytes of file data an entry's header promises: its size, or for a sparse file the
// sum of its data regions.
uint64_t entry_data_bytes(struct archive_entry* e) {
  if (archive_entry_sparse_reset(e) == 0)
    return static_cast<uint64_t>(std::max<la_int64_t>(archive_entry_size(e), 0));
  uint64_t total = 0;
  la_int64_t offset, length;
  while (archive_entry_sparse_next(e, &offset, &length) == ARCHIVE_OK)
    total += static_cast<uint64_t>(std::max<la_int64_t>(length, 0));
  return total;
}

// The limits in force: those given, or the defaults for the destination's file system.
Result<ExtractLimits> effective_limits(int dest_fd, const ExtractLimits& given) {
  ExtractLimits l = given;
  if (l.max_bytes != 0 && l.max_entries != 0) return l;
  struct statvfs vfs;
  if (::fstatvfs(dest_fd, &vfs) < 0) return Error::from_errno(errno, "statvfs of the layer");
  if (l.max_bytes == 0) {
    uint64_t avail = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    uint64_t keep = static_cast<uint64_t>(vfs.f_blocks) * vfs.f_frsize / 20;
    l.max_bytes = avail > keep ? avail - keep : 1;
  }
  if (l.max_entries == 0) {
    l.max_entries = kDefaultMaxEntries;
    uint64_t keep = vfs.f_files / 20;
    if (vfs.f_files > 0)  // 0: inodes are not counted (btrfs)
      l.max_entries =
          std::min<uint64_t>(l.max_entries, vfs.f_favail > keep ? vfs.f_favail - keep : 1);
  }
  return l;
}

std::string cap_reason(const ExtractLimits& given, bool bytes) {
  if (bytes ? given.max_bytes != 0 : given.max_entries != 0) return "the store's setting";
  return bytes ? "the free space of the store's file system, less 5% of its size"
               : "the default, or the free inodes of the store's file system";
}

// Counts the tar stream as libarchive reads it, and stops it at the cap.
class CappedReader : public Reader {
 public:
  CappedReader(Reader& src, uint64_t cap, std::string why)
      : src_(src), cap_(cap), why_(std::move(why)) {}
  Result<size_t> read(std::span<uint8_t> buf) override {
    size_t n = TRY(src_.read(buf));
    bytes_ += n;
    if (bytes_ > cap_) return over();
    return n;
  }
  // The error for a layer that expands past the cap.
  Error over() const {
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("layer expands past its size cap of {} bytes ({}) after {} "
                                   "bytes of tar",
                                   cap_, why_, bytes_));
  }
  uint64_t left() const { return bytes_ < cap_ ? cap_ - bytes_ : 0; }

 private:
  Reader& src_;
  uint64_t cap_;
  std::string why_;
  uint64_t bytes_ = 0;
};

struct DirTimes {
  struct timespec times[2];
};

class Extractor {
 public:
  Extractor(TarReader* tar, int root, const ExtractLimits& limits, std::string entries_why,
            const CappedReader* stream, Whiteouts whiteouts)
      : tar_(tar),
        root_(root),
        limits_(limits),
        entries_why_(std::move(entries_why)),
        stream_(stream),
        whiteouts_(whiteouts) {}

  Result<void> apply(struct archive_entry* e);
  Result<void> finish();
  ExtractStats stats;

 private:
  Result<void> check_limits(const std::string& path, struct archive_entry* e);
  Result<void> place(const std::string& path, struct archive_entry* e);
  Result<int> parent_fd(const std::string& dir);
  Result<UniqueFd> descend(UniqueFd cur, std::string prefix, std::string_view rest);
  void forget_cache();
  Result<void> make_room(int parent, const std::string& name, bool want_dir);
  Result<void> apply_whiteout(int parent, const std::string& dir, const std::string& base,
                              struct archive_entry* e);
  Result<void> write_file(int parent, const std::string& name, struct archive_entry* e);
  Result<void> make_dir(int parent, const std::string& name, struct archive_entry* e);
  Result<void> make_symlink(const std::string& dir, const std::string& name,
                            struct archive_entry* e);
  Result<void> make_node(int parent, const std::string& name, struct archive_entry* e);
  Result<void> make_link(int parent, const std::string& name, const char* target);
  Result<void> set_owner_mode_xattrs(int fd, struct archive_entry* e);
  Result<void> chown_at(int parent, const std::string& name, struct archive_entry* e);
  Result<void> set_times_at(int parent, const std::string& name, struct archive_entry* e);

  TarReader* tar_;
  int root_;
  ExtractLimits limits_;
  std::string entries_why_;
  const CappedReader* stream_;
  Whiteouts whiteouts_;
  // The last parent directory opened; invalidated whenever an entry removes a name.
  std::string cached_dir_;
  UniqueFd cached_fd_;
  // Directory times, applied last (creating children changes a directory's mtime), by
  // inode: paths of deep trees would cost memory quadratic in their depth.
  std::map<std::pair<dev_t, ino_t>, DirTimes> dir_times_;
  bool is_root_ = geteuid() == 0;
};

Result<void> Extractor::check_limits(const std::string& path, struct archive_entry* e) {
  if (++stats.entries > limits_.max_entries)
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("layer has more than {} entries, its cap ({})",
                                   limits_.max_entries, entries_why_));
  if (path.size() > kMaxEntryPathBytes)
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("name longer than {} bytes, the cap", kMaxEntryPathBytes));
  if (static_cast<size_t>(std::count(path.begin(), path.end(), '/')) >= kMaxEntryDepth)
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("deeper than {} directories, the cap", kMaxEntryDepth));
  // Fail fast: a file whose data cannot fit is refused before any of it is written.
  if (archive_entry_filetype(e) == AE_IFREG && entry_data_bytes(e) > stream_->left())
    return stream_->over().context(fmt::format("{} bytes of file data", entry_data_bytes(e)));
  return {};
}

void Extractor::forget_cache() {
  cached_fd_.reset();
  cached_dir_.clear();
}

Result<int> Extractor::parent_fd(const std::string& dir) {
  if (cached_fd_.valid() && cached_dir_ == dir) return cached_fd_.get();
  std::string from = std::exchange(cached_dir_, "");
  UniqueFd fd = std::move(cached_fd_);
  // A tar lists a directory, then what is in it: go down from the last one opened.
  bool below = fd.valid() && dir.size() > from.size() && dir.starts_with(from) &&
               (from.empty() || dir[from.size()] == '/');
  if (below) {
    std::string_view rest = std::string_view(dir).substr(from.empty() ? 0 : from.size() + 1);
    fd = TRY(descend(std::move(fd), std::move(from), rest));
  } else {
    auto r = sys::open_in_root(root_, dir, O_PATH | O_DIRECTORY);
    if (r.ok()) {
      fd = std::move(r).value();
    } else if (r.error().sys_errno() == ENOENT) {
      // Tar streams may omit directory entries: create the missing ones.
      int top = ::fcntl(root_, F_DUPFD_CLOEXEC, 0);
      if (top < 0) return Error::from_errno(errno, "dup");
      fd = TRY(descend(UniqueFd(top), "", dir));
    } else {
      return std::move(r).error();
    }
  }
  cached_fd_ = std::move(fd);
  cached_dir_ = dir;
  return cached_fd_.get();
}

// Opens `rest` below `cur` (the directory `prefix`) one component at a time, making the
// missing ones. A component that is a symlink is resolved from the root, exactly as one
// openat2 of the whole path would resolve it.
Result<UniqueFd> Extractor::descend(UniqueFd cur, std::string prefix, std::string_view rest) {
  constexpr int kFlags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  for (const auto& comp : split(rest, '/')) {
    if (!prefix.empty()) prefix += '/';
    prefix += comp;
    int fd = ::openat(cur.get(), comp.c_str(), kFlags);
    if (fd < 0 && errno == ENOENT) {
      if (::mkdirat(cur.get(), comp.c_str(), 0755) < 0 && errno != EEXIST)
        return Error::from_errno(errno, fmt::format("mkdir `{}`", sys::printable_path(prefix)));
      fd = ::openat(cur.get(), comp.c_str(), kFlags);
      struct stat st;
      // A directory of its own making has no times to set (its inode may be a reused one).
      if (fd >= 0 && ::fstat(fd, &st) == 0) dir_times_.erase({st.st_dev, st.st_ino});
    }
    if (fd >= 0) {
      cur.reset(fd);
    } else if (errno == ELOOP || errno == ENOTDIR) {
      cur = TRY(sys::open_in_root(root_, prefix, O_PATH | O_DIRECTORY));
    } else {
      return Error::from_errno(errno, fmt::format("open `{}`", sys::printable_path(prefix)));
    }
  }
  return cur;
}

Result<void> Extractor::make_room(int parent, const std::string& name, bool want_dir) {
  struct stat st;
  if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return {};
    return Error::from_errno(errno, "stat");
  }
  if (want_dir && S_ISDIR(st.st_mode)) return {};
  TRY(sys::remove_all_at(parent, name));
  // A directory on the cached path may have gone (and `parent` with it): callers re-fetch.
  forget_cache();
  return {};
}

Result<void> Extractor::apply_whiteout(int parent, const std::string& dir, const std::string& base,
                                       struct archive_entry* e) {
  if (base == kOpaqueWhiteout) {
    int fd = ::openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return Error::from_errno(errno, "open its directory");
    UniqueFd d(fd);
    if (::fsetxattr(fd, kOverlayOpaqueXattr, "y", 1, 0) < 0)
      return Error::from_errno(errno, "set opaque xattr");
    return {};
  }
  if (base.starts_with(".wh..wh.")) return {};  // aufs metadata (.wh..wh.plnk etc.): not content
  std::string name = base.substr(kWhiteoutPrefix.size());
  if (name.empty() || name == "." || name == "..")
    return Error::make(Errc::kInvalidArgument, "whiteout: bad name");
  TRY(make_room(parent, name, false));
  parent = TRY(parent_fd(dir));
  if (::mknodat(parent, name.c_str(), S_IFCHR | 0, makedev(0, 0)) < 0)
    return Error::from_errno(errno, "mknod whiteout");
  return set_times_at(parent, name, e);
}

// The entry's owner, range-checked: a PAX uid of 2^32 was cut to 0 (root), and one of
// 2^64 - 1 to -1 ("leave unchanged"). 4294967295 is no id to the kernel either.
Result<std::pair<uid_t, gid_t>> entry_owner(struct archive_entry* e) {
  la_int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);
  constexpr la_int64_t kMaxId = 4294967294;
  for (auto [what, v] : {std::pair<const char*, la_int64_t>{"uid", uid}, {"gid", gid}})
    if (v < 0 || v > kMaxId)
      return Error::make(Errc::kInvalidArgument,
                         fmt::format("{} {} is out of range (0 to {})", what, v, kMaxId));
  return std::pair<uid_t, gid_t>(static_cast<uid_t>(uid), static_cast<gid_t>(gid));
}

Result<void> Extractor::set_owner_mode_xattrs(int fd, struct archive_entry* e) {
  auto [uid, gid] = TRY(entry_owner(e));
  if (::fchown(fd, uid, gid) < 0 && (is_root_ || errno != EPERM))
    return Error::from_errno(errno, "chown");
  // After chown: chown clears the setuid and setgid bits.
  if (::fchmod(fd, archive_entry_perm(e)) < 0) return Error::from_errno(errno, "chmod");
  archive_entry_xattr_reset(e);
  const char* name;
  const void* value;
  size_t size;
  while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
    if (is_overlay_xattr(name)) continue;
    if (::fsetxattr(fd, name, value, size, 0) < 0)
      return Error::from_errno(errno, fmt::format("set xattr `{}`", printable(name)));
  }
  return {};
}

// By name, for a symlink or a whiteout only, and never following it: if a running
// container swapped the name meanwhile, this changes its own entry, nothing outside.
Result<void> Extractor::chown_at(int parent, const std::string& name, struct archive_entry* e) {
  auto [uid, gid] = TRY(entry_owner(e));
  if (::fchownat(parent, name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && is_root_)
    return Error::from_errno(errno, "chown");
  return {};
}

Result<void> Extractor::set_times_at(int parent, const std::string& name, struct archive_entry* e) {
  struct timespec t[2];
  entry_times(e, t);
  if (::utimensat(parent, name.c_str(), t, AT_SYMLINK_NOFOLLOW) < 0)
    return Error::from_errno(errno, "set times");
  return {};
}

Result<void> Extractor::write_file(int parent, const std::string& name, struct archive_entry* e) {
  int fd =
      ::openat(parent, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Error::from_errno(errno, "create");
  UniqueFd file(fd);
  const void* buf;
  size_t size;
  la_int64_t offset;
  int64_t end = 0;
  while (true) {
    int rc = archive_read_data_block(tar_->raw(), &buf, &size, &offset);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) return tar_->fail("tar data");
    const char* p = static_cast<const char*>(buf);
    size_t done = 0;
    while (done < size) {
      ssize_t n = ::pwrite(fd, p + done, size - done, offset + static_cast<off_t>(done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return Error::from_errno(errno, "write");
      }
      done += static_cast<size_t>(n);
    }
    end = offset + static_cast<int64_t>(size);
    stats.file_bytes += size;
  }
  // Sparse files end in a hole: extend without writing, so the hole stays a hole.
  if (archive_entry_size_is_set(e) && archive_entry_size(e) > end &&
      ::ftruncate(fd, archive_entry_size(e)) < 0)
    return Error::from_errno(errno, "truncate");
  TRY(set_owner_mode_xattrs(fd, e));
  struct timespec t[2];
  entry_times(e, t);
  if (::futimens(fd, t) < 0) return Error::from_errno(errno, "set times");
  return {};
}

Result<void> Extractor::make_dir(int parent, const std::string& name, struct archive_entry* e) {
  if (::mkdirat(parent, name.c_str(), 0700) < 0 && errno != EEXIST)
    return Error::from_errno(errno, "mkdir");
  int fd = ::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Error::from_errno(errno, "open directory");
  UniqueFd dir(fd);
  TRY(set_owner_mode_xattrs(fd, e));
  struct stat st;
  if (::fstat(fd, &st) < 0) return Error::from_errno(errno, "stat directory");
  DirTimes& dt = dir_times_[{st.st_dev, st.st_ino}];
  entry_times(e, dt.times);
  return {};
}

Result<void> Extractor::make_symlink(const std::string& dir, const std::string& name,
                                     struct archive_entry* e) {
  int parent = TRY(parent_fd(dir));
  const char* target = archive_entry_symlink(e);
  if (::symlinkat(target ? target : "", parent, name.c_str()) < 0)
    return Error::from_errno(errno, "symlink");
  forget_cache();  // the new link may shadow the cached path
  parent = TRY(parent_fd(dir));
  TRY(chown_at(parent, name, e));
  return set_times_at(parent, name, e);
}

Result<void> Extractor::make_node(int parent, const std::string& name, struct archive_entry* e) {
  mode_t type = archive_entry_filetype(e);
  if (::mknodat(parent, name.c_str(), type | archive_entry_perm(e), archive_entry_rdev(e)) < 0)
    return Error::from_errno(errno, "mknod");
  // The rest on an fd of the node made, never by name: a running container may have
  // swapped the name for a symlink to a host path since, and chmod follows links.
  UniqueFd node = TRY(sys::open_path_checked(parent, name, type, "extracted"));
  auto [uid, gid] = TRY(entry_owner(e));
  auto owned = sys::chown_path_fd(node.get(), uid, gid);
  if (!owned.ok() && is_root_) return owned;
  // Explicit chmod: mknod applies the umask, and chown cleared setuid/setgid.
  TRY(sys::chmod_path_fd(node.get(), archive_entry_perm(e)));
  struct timespec t[2];
  entry_times(e, t);
  return sys::set_times_path_fd(node.get(), t);
}

Result<void> Extractor::make_link(int parent, const std::string& name, const char* target) {
  std::string t = TRY_CTX(clean_entry_path(target), "hard link target");
  if (t.empty()) return Error::make(Errc::kInvalidArgument, "hard link to the root");
  auto [tdir, tbase] = split_parent(t);
  auto tparent = TRY_CTX(sys::open_in_root(root_, tdir, O_PATH | O_DIRECTORY),
                         "hard link target `{}`", sys::printable_path(t));
  // No AT_SYMLINK_FOLLOW: a link to a symlink links the symlink itself.
  if (::linkat(tparent.get(), tbase.c_str(), parent, name.c_str(), 0) < 0)
    return Error::from_errno(errno, fmt::format("hard link to `{}`", sys::printable_path(t)));
  return {};
}

Result<void> Extractor::apply(struct archive_entry* e) {
  const char* raw = archive_entry_pathname(e);
  if (raw == nullptr) return Error::make(Errc::kCorrupt, "tar entry without a name");
  std::string path = TRY(clean_entry_path(raw));
  auto r = check_limits(path, e);
  if (r.ok() && !path.empty()) r = place(path, e);  // "./": the destination keeps its own
  if (!r.ok())
    return std::move(r).error().context(fmt::format("tar entry `{}`", sys::printable_path(path)));
  return {};
}

Result<void> Extractor::place(const std::string& path, struct archive_entry* e) {
  auto [dir, base] = split_parent(path);
  int parent = TRY(parent_fd(dir));
  if (whiteouts_ == Whiteouts::kOverlay && base.starts_with(kWhiteoutPrefix))
    return apply_whiteout(parent, dir, base, e);
  mode_t type = archive_entry_filetype(e);
  const char* hardlink = archive_entry_hardlink(e);
  TRY(make_room(parent, base, hardlink == nullptr && type == AE_IFDIR));
  parent = TRY(parent_fd(dir));
  if (hardlink != nullptr) return make_link(parent, base, hardlink);
  switch (type) {
    case AE_IFREG:
      return write_file(parent, base, e);
    case AE_IFDIR:
      return make_dir(parent, base, e);
    case AE_IFLNK:
      return make_symlink(dir, base, e);
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO:
      return make_node(parent, base, e);
    case AE_IFSOCK:
      return {};  // sockets cannot be recreated from a tar; skipped as Docker does
    default:
      return Error::make(Errc::kCorrupt, fmt::format("unknown entry type {:o}", type));
  }
}

Result<void> Extractor::finish() {
  forget_cache();
  if (dir_times_.empty()) return {};
  // A later entry may have replaced a directory (by a file, a link or a whiteout): its
  // inode is then not in the tree, and its times go unused.
  sys::WalkVisitor v;
  v.enter = [&](const sys::WalkEntry& w) -> Result<bool> {
    if (w.fd < 0) return false;
    auto it = dir_times_.find({w.st.st_dev, w.st.st_ino});
    if (it != dir_times_.end() && ::futimens(w.fd, it->second.times) < 0)
      return Error::from_errno(errno, "set times");
    return true;
  };
  return sys::walk_tree(root_, v);
}

}  // namespace

Result<ExtractStats> extract_tar(Reader& in, int dest_fd, const ExtractLimits& limits,
                                 Whiteouts whiteouts) {
  ExtractLimits l = TRY(effective_limits(dest_fd, limits));
  CappedReader stream(in, l.max_bytes, cap_reason(limits, true));
  TarReader tar(stream);
  Extractor x(&tar, dest_fd, l, cap_reason(limits, false), &stream, whiteouts);
  while (struct archive_entry* e = TRY(tar.next())) TRY(x.apply(e));
  TRY(x.finish());
  return x.stats;
}

}  // namespace strata::archive
