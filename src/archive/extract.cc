// SPDX-License-Identifier: Apache-2.0
// Safe, fd-relative tar extraction (see tar.h for the rules it keeps).
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <vector>

#include "archive/tar.h"
#include "archive/tar_io.h"
#include "sys/fs.h"
#include "util/strings.h"

namespace strata::archive {

Result<std::string> clean_entry_path(std::string_view name) {
  if (name.starts_with("/"))
    return Error::make(Errc::kInvalidArgument, fmt::format("tar entry `{}`: absolute path", name));
  std::string out;
  for (const auto& part : split(name, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..")
      return Error::make(Errc::kInvalidArgument,
                         fmt::format("tar entry `{}`: \"..\" escapes the layer", name));
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

struct DirTimes {
  std::string path;
  struct timespec times[2];
};

class Extractor {
 public:
  Extractor(TarReader* tar, int root) : tar_(tar), root_(root) {}

  Result<void> apply(struct archive_entry* e);
  Result<void> finish();
  ExtractStats stats;

 private:
  Result<int> parent_fd(const std::string& dir);
  Result<void> make_room(int parent, const std::string& name, bool want_dir);
  Result<void> apply_whiteout(int parent, const std::string& dir, const std::string& base,
                              struct archive_entry* e);
  Result<void> write_file(int parent, const std::string& name, struct archive_entry* e);
  Result<void> make_dir(int parent, const std::string& path, const std::string& name,
                        struct archive_entry* e);
  Result<void> make_link(int parent, const std::string& name, const char* target);
  Result<void> set_owner_mode_xattrs(int fd, struct archive_entry* e);

  TarReader* tar_;
  int root_;
  // The last parent directory opened; invalidated whenever an entry removes a name.
  std::string cached_dir_;
  UniqueFd cached_fd_;
  std::vector<DirTimes> dir_times_;
  bool is_root_ = geteuid() == 0;
};

Result<int> Extractor::parent_fd(const std::string& dir) {
  if (cached_fd_.valid() && cached_dir_ == dir) return cached_fd_.get();
  cached_fd_.reset();
  auto fd = sys::open_in_root(root_, dir, O_PATH | O_DIRECTORY);
  if (!fd.ok() && fd.error().sys_errno() == ENOENT) {
    // Tar streams may omit directory entries: create the missing ones, each inside root.
    std::string prefix;
    for (const auto& comp : split(dir, '/')) {
      auto up = TRY(sys::open_in_root(root_, prefix, O_PATH | O_DIRECTORY));
      if (::mkdirat(up.get(), comp.c_str(), 0755) < 0 && errno != EEXIST)
        return Error::from_errno(errno, fmt::format("mkdir `{}/{}`", prefix, comp));
      prefix += (prefix.empty() ? "" : "/") + comp;
    }
    fd = sys::open_in_root(root_, dir, O_PATH | O_DIRECTORY);
  }
  cached_fd_ = TRY(std::move(fd));
  cached_dir_ = dir;
  return cached_fd_.get();
}

Result<void> Extractor::make_room(int parent, const std::string& name, bool want_dir) {
  struct stat st;
  if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return {};
    return Error::from_errno(errno, fmt::format("stat `{}`", name));
  }
  if (want_dir && S_ISDIR(st.st_mode)) return {};
  TRY(sys::remove_all_at(parent, name));
  // A directory on the cached path may have gone (and `parent` with it): callers re-fetch.
  cached_fd_.reset();
  cached_dir_.clear();
  return {};
}

Result<void> Extractor::apply_whiteout(int parent, const std::string& dir, const std::string& base,
                                       struct archive_entry* e) {
  if (base == kOpaqueWhiteout) {
    auto fd = TRY(sys::open_in_root(root_, dir, O_RDONLY | O_DIRECTORY));
    if (::fsetxattr(fd.get(), kOverlayOpaqueXattr, "y", 1, 0) < 0)
      return Error::from_errno(errno, fmt::format("set opaque xattr on `{}`", dir));
    return {};
  }
  if (base.starts_with(".wh..wh.")) return {};  // aufs metadata (.wh..wh.plnk etc.): not content
  std::string name = base.substr(kWhiteoutPrefix.size());
  if (name.empty() || name == "." || name == "..")
    return Error::make(Errc::kInvalidArgument, fmt::format("whiteout `{}`: bad name", base));
  TRY(make_room(parent, name, false));
  parent = TRY(parent_fd(dir));
  if (::mknodat(parent, name.c_str(), S_IFCHR | 0, makedev(0, 0)) < 0)
    return Error::from_errno(errno, fmt::format("mknod whiteout `{}`", name));
  struct timespec t[2];
  entry_times(e, t);
  if (::utimensat(parent, name.c_str(), t, AT_SYMLINK_NOFOLLOW) < 0)
    return Error::from_errno(errno, fmt::format("set times on whiteout `{}`", name));
  return {};
}

Result<void> Extractor::set_owner_mode_xattrs(int fd, struct archive_entry* e) {
  if (::fchown(fd, static_cast<uid_t>(archive_entry_uid(e)),
               static_cast<gid_t>(archive_entry_gid(e))) < 0 &&
      (is_root_ || errno != EPERM))
    return Error::from_errno(errno, "chown");
  // After chown: chown clears the setuid and setgid bits.
  if (::fchmod(fd, archive_entry_perm(e)) < 0) return Error::from_errno(errno, "chmod");
  archive_entry_xattr_reset(e);
  const char* name;
  const void* value;
  size_t size;
  while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
    // A layer must not forge overlayfs metadata (redirects, opaque dirs, metacopy).
    if (std::string_view(name).starts_with("trusted.overlay.")) continue;
    if (::fsetxattr(fd, name, value, size, 0) < 0)
      return Error::from_errno(errno, fmt::format("set xattr {}", name));
  }
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

Result<void> Extractor::make_dir(int parent, const std::string& path, const std::string& name,
                                 struct archive_entry* e) {
  if (::mkdirat(parent, name.c_str(), 0700) < 0 && errno != EEXIST)
    return Error::from_errno(errno, "mkdir");
  int fd = ::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Error::from_errno(errno, "open directory");
  UniqueFd dir(fd);
  TRY(set_owner_mode_xattrs(fd, e));
  DirTimes dt{path, {}};
  entry_times(e, dt.times);
  dir_times_.push_back(dt);  // applied last: creating children changes a directory's mtime
  return {};
}

Result<void> Extractor::make_link(int parent, const std::string& name, const char* target) {
  std::string t = TRY_CTX(clean_entry_path(target), "hard link target");
  if (t.empty()) return Error::make(Errc::kInvalidArgument, "hard link to the root");
  auto [tdir, tbase] = split_parent(t);
  auto tparent =
      TRY_CTX(sys::open_in_root(root_, tdir, O_PATH | O_DIRECTORY), "hard link target `{}`", t);
  // No AT_SYMLINK_FOLLOW: a link to a symlink links the symlink itself.
  if (::linkat(tparent.get(), tbase.c_str(), parent, name.c_str(), 0) < 0)
    return Error::from_errno(errno, fmt::format("hard link to `{}`", t));
  return {};
}

Result<void> Extractor::apply(struct archive_entry* e) {
  const char* raw = archive_entry_pathname(e);
  if (raw == nullptr) return Error::make(Errc::kCorrupt, "tar entry without a name");
  std::string path = TRY(clean_entry_path(raw));
  ++stats.entries;
  if (path.empty()) return {};  // "./": the destination keeps its own metadata
  auto [dir, base] = split_parent(path);
  int parent = TRY_CTX(parent_fd(dir), "tar entry `{}`", path);
  if (base.starts_with(kWhiteoutPrefix)) {
    TRY_CTX(apply_whiteout(parent, dir, base, e), "tar entry `{}`", path);
    return {};
  }
  mode_t type = archive_entry_filetype(e);
  const char* hardlink = archive_entry_hardlink(e);
  bool is_dir = hardlink == nullptr && type == AE_IFDIR;
  TRY_CTX(make_room(parent, base, is_dir), "tar entry `{}`", path);
  parent = TRY_CTX(parent_fd(dir), "tar entry `{}`", path);
  Result<void> r;
  if (hardlink != nullptr) {
    r = make_link(parent, base, hardlink);
  } else {
    switch (type) {
      case AE_IFREG:
        r = write_file(parent, base, e);
        break;
      case AE_IFDIR:
        r = make_dir(parent, path, base, e);
        break;
      case AE_IFLNK: {
        const char* target = archive_entry_symlink(e);
        if (::symlinkat(target ? target : "", parent, base.c_str()) < 0) {
          r = Error::from_errno(errno, "symlink");
          break;
        }
        cached_fd_.reset();  // the new link may shadow the cached path
        cached_dir_.clear();
        parent = TRY_CTX(parent_fd(dir), "tar entry `{}`", path);
        if (::fchownat(parent, base.c_str(), static_cast<uid_t>(archive_entry_uid(e)),
                       static_cast<gid_t>(archive_entry_gid(e)), AT_SYMLINK_NOFOLLOW) < 0 &&
            is_root_) {
          r = Error::from_errno(errno, "chown symlink");
          break;
        }
        struct timespec t[2];
        entry_times(e, t);
        if (::utimensat(parent, base.c_str(), t, AT_SYMLINK_NOFOLLOW) < 0)
          r = Error::from_errno(errno, "set symlink times");
        break;
      }
      case AE_IFCHR:
      case AE_IFBLK:
      case AE_IFIFO: {
        if (::mknodat(parent, base.c_str(), type | archive_entry_perm(e), archive_entry_rdev(e)) <
            0) {
          r = Error::from_errno(errno, "mknod");
          break;
        }
        if (::fchownat(parent, base.c_str(), static_cast<uid_t>(archive_entry_uid(e)),
                       static_cast<gid_t>(archive_entry_gid(e)), AT_SYMLINK_NOFOLLOW) < 0 &&
            is_root_) {
          r = Error::from_errno(errno, "chown");
          break;
        }
        // Explicit chmod: mknod applies the umask, and chown cleared setuid/setgid.
        if (::fchmodat(parent, base.c_str(), archive_entry_perm(e), 0) < 0) {
          r = Error::from_errno(errno, "chmod");
          break;
        }
        struct timespec t[2];
        entry_times(e, t);
        if (::utimensat(parent, base.c_str(), t, AT_SYMLINK_NOFOLLOW) < 0)
          r = Error::from_errno(errno, "set times");
        break;
      }
      case AE_IFSOCK:
        break;  // sockets cannot be recreated from a tar; skipped as Docker does
      default:
        r = Error::make(Errc::kCorrupt, fmt::format("unknown entry type {:o}", type));
    }
  }
  if (!r.ok()) return std::move(r).error().context(fmt::format("tar entry `{}`", path));
  return {};
}

Result<void> Extractor::finish() {
  cached_fd_.reset();
  // Deepest first is not needed: setting a directory's times does not touch its parent.
  for (const auto& dt : dir_times_) {
    auto fd = sys::open_in_root(root_, dt.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    // A later entry may have replaced the directory (by a file, a link or a whiteout).
    if (!fd.ok()) {
      int err = fd.error().sys_errno();
      if (err == ENOTDIR || err == ENOENT || err == ELOOP) continue;
      return std::move(fd).error();
    }
    if (::futimens(fd->get(), dt.times) < 0)
      return Error::from_errno(errno, fmt::format("set times on `{}`", dt.path));
  }
  return {};
}

}  // namespace

Result<ExtractStats> extract_tar(Reader& in, int dest_fd) {
  TarReader tar(in);
  Extractor x(&tar, dest_fd);
  while (struct archive_entry* e = TRY(tar.next())) TRY(x.apply(e));
  TRY(x.finish());
  return x.stats;
}

}  // namespace strata::archive
