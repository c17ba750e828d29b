// SPDX-License-Identifier: Apache-2.0
// Directory -> PAX tar, names sorted so the same tree always gives the same bytes.
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include "archive/tar.h"
#include "archive/tar_io.h"
#include "util/defer.h"

namespace strata::archive {

namespace {

using Entry = std::unique_ptr<struct archive_entry, decltype(&archive_entry_free)>;

class Packer {
 public:
  explicit Packer(TarWriter* tar) : tar_(tar) {}
  Result<void> walk(int dir_fd, const std::string& prefix);

 private:
  Result<void> emit(Entry& e);
  Result<void> add_xattrs(int fd, struct archive_entry* e);
  Result<void> add_file_data(int fd, const struct stat& st, struct archive_entry* e);
  Result<void> write_data(int fd, const struct stat& st);
  TarWriter* tar_;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;
};

Result<void> Packer::emit(Entry& e) { return tar_->write_header(e.get()); }

Result<void> Packer::add_xattrs(int fd, struct archive_entry* e) {
  char names[65536];
  ssize_t len = ::flistxattr(fd, names, sizeof(names));
  if (len < 0) {
    if (errno == ENOTSUP) return {};
    return Error::from_errno(errno, "list xattrs");
  }
  std::vector<std::string> sorted;
  for (ssize_t i = 0; i < len;) {
    std::string n(names + i);
    i += static_cast<ssize_t>(n.size()) + 1;
    if (!n.starts_with("trusted.overlay.")) sorted.push_back(n);
  }
  std::sort(sorted.begin(), sorted.end());
  for (const auto& n : sorted) {
    char value[65536];
    ssize_t vlen = ::fgetxattr(fd, n.c_str(), value, sizeof(value));
    if (vlen < 0) return Error::from_errno(errno, fmt::format("get xattr {}", n));
    archive_entry_xattr_add_entry(e, n.c_str(), value, static_cast<size_t>(vlen));
  }
  return {};
}

Result<void> Packer::add_file_data(int fd, const struct stat& st, struct archive_entry* e) {
  // Describe holes so the archive stays small and extraction recreates them.
  if (st.st_size > 0 && st.st_blocks * 512 < st.st_size) {
    off_t pos = 0;
    while (pos < st.st_size) {
      off_t data = ::lseek(fd, pos, SEEK_DATA);
      if (data < 0) break;  // ENXIO: only a hole remains
      off_t hole = ::lseek(fd, data, SEEK_HOLE);
      if (hole < 0) return Error::from_errno(errno, "seek hole");
      archive_entry_sparse_add_entry(e, data, hole - data);
      pos = hole;
    }
    // A file that is all hole still needs one (empty) region at its end.
    if (archive_entry_sparse_count(e) == 0) archive_entry_sparse_add_entry(e, st.st_size, 0);
  }
  return {};
}

Result<void> Packer::write_data(int fd, const struct stat& st) {
  std::vector<char> buf(1 << 20);
  off_t pos = 0;
  while (pos < st.st_size) {
    ssize_t n = ::pread(fd, buf.data(), std::min<off_t>(buf.size(), st.st_size - pos), pos);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::from_errno(errno, "read");
    }
    if (n == 0) return Error::make(Errc::kCorrupt, "file shrank while being archived");
    TRY(tar_->write_data({reinterpret_cast<const uint8_t*>(buf.data()), static_cast<size_t>(n)}));
    pos += n;
  }
  return {};
}

Result<void> Packer::walk(int dir_fd, const std::string& prefix) {
  int dup = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return Error::from_errno(errno, "dup");
  DIR* dir = ::fdopendir(dup);
  if (dir == nullptr) {
    ::close(dup);
    return Error::from_errno(errno, "fdopendir");
  }
  Defer close_dir([&] { ::closedir(dir); });
  std::vector<std::string> names;
  while (struct dirent* de = ::readdir(dir)) {
    std::string_view n = de->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    std::string path = prefix + name;
    struct stat st;
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0)
      return Error::from_errno(errno, fmt::format("stat `{}`", path));
    Entry e(archive_entry_new(), archive_entry_free);
    archive_entry_copy_stat(e.get(), &st);
    archive_entry_set_pathname(e.get(), path.c_str());
    archive_entry_unset_atime(e.get());
    archive_entry_unset_ctime(e.get());
    archive_entry_unset_birthtime(e.get());
    if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
      // overlayfs whiteout -> OCI ".wh.<name>", an empty regular file.
      std::string wh = prefix + std::string(kWhiteoutPrefix) + name;
      archive_entry_set_pathname(e.get(), wh.c_str());
      archive_entry_set_filetype(e.get(), AE_IFREG);
      archive_entry_set_perm(e.get(), 0);
      archive_entry_set_size(e.get(), 0);
      archive_entry_set_rdev(e.get(), 0);
      TRY(emit(e));
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) return Error::from_errno(errno, fmt::format("open `{}`", path));
      UniqueFd sub(fd);
      TRY_CTX(add_xattrs(fd, e.get()), "`{}`", path);
      archive_entry_set_pathname(e.get(), (path + "/").c_str());
      TRY(emit(e));
      char v;
      if (::fgetxattr(fd, kOverlayOpaqueXattr, &v, 1) == 1 && v == 'y') {
        Entry opq(archive_entry_new(), archive_entry_free);
        archive_entry_set_pathname(opq.get(), (path + "/" + std::string(kOpaqueWhiteout)).c_str());
        archive_entry_set_filetype(opq.get(), AE_IFREG);
        archive_entry_set_perm(opq.get(), 0);
        archive_entry_set_size(opq.get(), 0);
        archive_entry_set_mtime(opq.get(), st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
        TRY(emit(opq));
      }
      TRY(walk(fd, path + "/"));
      continue;
    }
    if (S_ISLNK(st.st_mode)) {
      std::vector<char> target(static_cast<size_t>(st.st_size) + 1);
      ssize_t n = ::readlinkat(dir_fd, name.c_str(), target.data(), target.size());
      if (n < 0) return Error::from_errno(errno, fmt::format("readlink `{}`", path));
      archive_entry_set_symlink(e.get(),
                                std::string(target.data(), static_cast<size_t>(n)).c_str());
      TRY(emit(e));
      continue;
    }
    if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
      auto key = std::make_pair(st.st_dev, st.st_ino);
      auto it = links_.find(key);
      if (it != links_.end()) {
        archive_entry_set_hardlink(e.get(), it->second.c_str());
        archive_entry_set_size(e.get(), 0);
        TRY(emit(e));
        continue;
      }
      links_[key] = path;
    }
    if (S_ISREG(st.st_mode)) {
      int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) return Error::from_errno(errno, fmt::format("open `{}`", path));
      UniqueFd file(fd);
      TRY_CTX(add_xattrs(fd, e.get()), "`{}`", path);
      TRY_CTX(add_file_data(fd, st, e.get()), "`{}`", path);
      TRY(emit(e));
      TRY_CTX(write_data(fd, st), "`{}`", path);
      continue;
    }
    if (S_ISSOCK(st.st_mode)) continue;  // not representable in a layer
    TRY(emit(e));                        // devices and fifos
  }
  return {};
}

}  // namespace

Result<void> pack_dir(int dir_fd, Writer& out) {
  TarWriter tar(out);
  Packer p(&tar);
  TRY(p.walk(dir_fd, ""));
  return tar.close();
}

}  // namespace strata::archive
