// SPDX-License-Identifier: Apache-2.0
// Directory -> PAX tar, names sorted so the same tree always gives the same bytes.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <map>
#include <vector>

#include "archive/tar.h"
#include "archive/tar_io.h"
#include "sys/fs.h"
#include "sys/path_fd.h"

namespace strata::archive {

namespace {

using Entry = std::unique_ptr<struct archive_entry, decltype(&archive_entry_free)>;

class Packer {
 public:
  // owner: pack_entry's options, which also make the tar plain (no whiteouts).
  explicit Packer(TarWriter* tar, const PackEntryOptions* owner = nullptr)
      : tar_(tar), owner_(owner), whiteouts_(owner == nullptr) {}
  Result<void> add(const sys::WalkEntry& w);

 private:
  Result<void> add_whiteout(const sys::WalkEntry& w, Entry& e);
  Result<void> add_dir(const sys::WalkEntry& w, Entry& e);
  Result<void> emit(Entry& e);
  Result<void> add_xattrs(int fd, struct archive_entry* e);
  Result<void> add_file_data(int fd, const struct stat& st, struct archive_entry* e);
  Result<void> write_data(int fd, const struct stat& st);
  TarWriter* tar_;
  const PackEntryOptions* owner_;  // set_owner: the owner every entry gets
  bool whiteouts_;                 // overlay whiteouts become OCI ones
  std::map<std::pair<dev_t, ino_t>, std::string> links_;
};

Result<void> Packer::emit(Entry& e) { return tar_->write_header(e.get()); }

// The regular file the walk saw (lstat `st`), open for reading. The tree may belong to a
// running container that swaps the name meanwhile: an O_PATH fd opens nothing (a FIFO
// swapped in would block the open forever, a device's open has effects of its own), and
// only once it is checked to be that same regular file is it reopened, through the fd,
// for reading.
Result<UniqueFd> open_regular(int parent, const std::string& name, const struct stat& st) {
  UniqueFd path = TRY(sys::open_path_checked(parent, name, S_IFREG, "archived", &st));
  return sys::reopen_path_fd(path.get(), O_RDONLY);
}

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
    // Overlay metadata is not content (and extraction drops it: see extract.cc).
    if (!n.starts_with("trusted.overlay.") && !n.starts_with("user.overlay.")) sorted.push_back(n);
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

// One entry of the tree, in walk order (sorted, a directory before what it holds).
Result<void> Packer::add(const sys::WalkEntry& w) {
  std::string path(w.path);
  const struct stat& st = w.st;
  Entry e(archive_entry_new(), archive_entry_free);
  archive_entry_copy_stat(e.get(), &st);
  if (owner_ && owner_->set_owner) {
    archive_entry_set_uid(e.get(), owner_->uid);
    archive_entry_set_gid(e.get(), owner_->gid);
  }
  archive_entry_set_pathname(e.get(), path.c_str());
  archive_entry_unset_atime(e.get());
  archive_entry_unset_ctime(e.get());
  archive_entry_unset_birthtime(e.get());
  if (whiteouts_ && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) return add_whiteout(w, e);
  if (S_ISDIR(st.st_mode)) return add_dir(w, e);
  if (S_ISLNK(st.st_mode)) {
    // Bounded: the kernel keeps symlink targets below PATH_MAX.
    std::vector<char> target(std::min<size_t>(static_cast<size_t>(st.st_size), PATH_MAX) + 1);
    ssize_t n = ::readlinkat(w.parent_fd, w.name.c_str(), target.data(), target.size());
    if (n < 0) return Error::from_errno(errno, "readlink");
    archive_entry_set_symlink(e.get(), std::string(target.data(), static_cast<size_t>(n)).c_str());
    return emit(e);
  }
  if (st.st_nlink > 1) {
    auto key = std::make_pair(st.st_dev, st.st_ino);
    auto it = links_.find(key);
    if (it != links_.end()) {
      archive_entry_set_hardlink(e.get(), it->second.c_str());
      archive_entry_set_size(e.get(), 0);
      return emit(e);
    }
    links_[key] = path;
  }
  if (S_ISREG(st.st_mode)) {
    UniqueFd file = TRY(open_regular(w.parent_fd, w.name, st));
    int fd = file.get();
    TRY(add_xattrs(fd, e.get()));
    TRY(add_file_data(fd, st, e.get()));
    TRY(emit(e));
    return write_data(fd, st);
  }
  if (S_ISSOCK(st.st_mode)) return {};  // not representable in a layer
  return emit(e);                       // devices and fifos
}

// An overlayfs whiteout (a 0/0 character device) -> OCI ".wh.<name>", an empty file.
Result<void> Packer::add_whiteout(const sys::WalkEntry& w, Entry& e) {
  std::string_view dir = w.path.substr(0, w.path.size() - w.name.size());
  std::string wh = std::string(dir) + std::string(kWhiteoutPrefix) + w.name;
  archive_entry_set_pathname(e.get(), wh.c_str());
  archive_entry_set_filetype(e.get(), AE_IFREG);
  archive_entry_set_perm(e.get(), 0);
  archive_entry_set_size(e.get(), 0);
  archive_entry_set_rdev(e.get(), 0);
  return emit(e);
}

// A directory, and ".wh..wh..opq" after it if overlayfs marked it opaque.
Result<void> Packer::add_dir(const sys::WalkEntry& w, Entry& e) {
  std::string path(w.path);
  TRY(add_xattrs(w.fd, e.get()));
  archive_entry_set_pathname(e.get(), (path + "/").c_str());
  TRY(emit(e));
  char v;
  if (whiteouts_ && ::fgetxattr(w.fd, kOverlayOpaqueXattr, &v, 1) == 1 && v == 'y') {
    Entry opq(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(opq.get(), (path + "/" + std::string(kOpaqueWhiteout)).c_str());
    archive_entry_set_filetype(opq.get(), AE_IFREG);
    archive_entry_set_perm(opq.get(), 0);
    archive_entry_set_size(opq.get(), 0);
    archive_entry_set_mtime(opq.get(), w.st.st_mtim.tv_sec, w.st.st_mtim.tv_nsec);
    TRY(emit(opq));
  }
  return {};
}

}  // namespace

Result<void> pack_dir(int dir_fd, Writer& out, const PackFilter& skip) {
  TarWriter tar(out);
  Packer p(&tar);
  sys::WalkVisitor v;
  v.sorted = true;
  v.enter = [&](const sys::WalkEntry& w) -> Result<bool> {
    if (skip && skip(w.path, w.st)) return false;
    TRY(p.add(w));
    return true;
  };
  TRY(sys::walk_tree(dir_fd, v));
  return tar.close();
}

Result<void> pack_entry(int parent_fd, const std::string& name, Writer& out,
                        const PackEntryOptions& o) {
  struct stat st;
  if (::fstatat(parent_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0)
    return Error::from_errno(errno, fmt::format("stat `{}`", sys::printable_path(name)));
  UniqueFd dir;
  if (S_ISDIR(st.st_mode)) {
    dir = UniqueFd(
        ::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir.valid())
      return Error::from_errno(errno, fmt::format("open `{}`", sys::printable_path(name)));
  }
  TarWriter tar(out);
  Packer p(&tar, &o);
  TRY(p.add({parent_fd, name, o.as, st, dir.get()}));
  if (dir.valid()) {
    sys::WalkVisitor v;
    v.sorted = true;
    v.enter = [&](const sys::WalkEntry& w) -> Result<bool> {
      std::string path = o.as + "/" + std::string(w.path);
      TRY(p.add({w.parent_fd, w.name, path, w.st, w.fd}));
      return true;
    };
    TRY(sys::walk_tree(dir.get(), v));
  }
  return tar.close();
}

}  // namespace strata::archive
