// SPDX-License-Identifier: Apache-2.0
#include "sys/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <random>
#include <vector>

#include "util/defer.h"
#include "util/strings.h"

namespace strata::sys {

std::string printable_path(std::string_view path) {
  constexpr size_t kMax = 200;
  if (path.size() <= kMax) return printable(path);
  return fmt::format("{}... ({} bytes)", printable(path.substr(0, kMax)), path.size());
}

Result<UniqueFd> openat2(int dirfd, std::string_view path, uint64_t flags, uint64_t mode,
                         uint64_t resolve) {
  struct open_how how = {};
  how.flags = flags;
  how.mode = mode;
  how.resolve = resolve;
  std::string p(path.empty() ? "." : path);
  int fd;
  // EAGAIN: a rename or mount raced a ".." (retry), or the tree is detached, where it
  // never stops: bounded.
  int tries = 0;
  do {
    fd = static_cast<int>(syscall(SYS_openat2, dirfd, p.c_str(), &how, sizeof(how)));
  } while (fd < 0 && errno == EAGAIN && ++tries < 1000);
  if (fd < 0) return Error::from_errno(errno, fmt::format("openat2 `{}`", printable_path(p)));
  return UniqueFd(fd);
}

namespace {

// The longest piece of a path given to one openat2 call: PATH_MAX less the NUL, with room.
constexpr size_t kPathPiece = 4000;

// Where to cut `rel` (at or before kPathPiece from `from`): the last slash that fits.
size_t piece_end(std::string_view rel, size_t from) {
  if (rel.size() - from <= kPathPiece) return rel.size();
  size_t slash = rel.rfind('/', from + kPathPiece);
  return slash == std::string_view::npos || slash <= from ? rel.size() : slash;
}

}  // namespace

Result<UniqueFd> open_in_root(int root_fd, std::string_view rel, int flags, mode_t mode) {
  uint64_t f = static_cast<uint64_t>(flags) | O_CLOEXEC;
  size_t end = piece_end(rel, 0);
  if (end == rel.size())
    return openat2(root_fd, rel, f, mode, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
  UniqueFd dir = TRY(openat2(root_fd, rel.substr(0, end), O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
                             RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS));
  while (true) {
    size_t from = end + 1;
    end = piece_end(rel, from);
    bool last = end == rel.size();
    auto next = openat2(dir.get(), rel.substr(from, end - from),
                        last ? f : O_PATH | O_DIRECTORY | O_CLOEXEC, last ? mode : 0,
                        RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
    if (!next.ok() && next.error().sys_errno() == EXDEV)
      return Error::make(Errc::kUnsupported,
                         fmt::format("open `{}`: a symbolic link more than {} bytes into the path "
                                     "leaves its directory",
                                     printable_path(rel), kPathPiece));
    dir = TRY(std::move(next));
    if (last) return dir;
  }
}

Result<UniqueFd> open_dir(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error::from_errno(errno, fmt::format("open `{}`", path));
  return UniqueFd(fd);
}

Result<void> mkdir_p(const std::string& path, mode_t mode) {
  if (path.empty()) return {};
  // The leaf first: usually only it is missing (cgroup dirs, state dirs).
  if (::mkdir(path.c_str(), mode) == 0 || errno == EEXIST) return {};
  if (errno != ENOENT) return Error::from_errno(errno, fmt::format("mkdir `{}`", path));
  auto slash = path.find_last_not_of('/', path.rfind('/'));
  if (path.rfind('/') == std::string::npos || slash == std::string::npos)
    return Error::from_errno(ENOENT, fmt::format("mkdir `{}`", path));
  TRY(mkdir_p(path.substr(0, slash + 1), mode));
  if (::mkdir(path.c_str(), mode) < 0 && errno != EEXIST)
    return Error::from_errno(errno, fmt::format("mkdir `{}`", path));
  return {};
}

static std::string random_suffix() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:016x}", rng());
}

Result<void> write_file_atomic(const std::string& path, std::string_view data, mode_t mode) {
  std::string tmp = path + ".tmp-" + random_suffix();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return Error::from_errno(errno, fmt::format("create `{}`", tmp));
  UniqueFd guard(fd);
  Defer unlink_tmp([&] { ::unlink(tmp.c_str()); });
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::from_errno(errno, fmt::format("write `{}`", tmp));
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) < 0) return Error::from_errno(errno, fmt::format("fsync `{}`", tmp));
  guard.reset();
  if (::rename(tmp.c_str(), path.c_str()) < 0)
    return Error::from_errno(errno, fmt::format("rename to `{}`", path));
  unlink_tmp.cancel();
  return {};
}

Result<void> write_existing_file(const std::string& path, std::string_view data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Error::from_errno(errno, fmt::format("open `{}`", path));
  ssize_t n = ::write(fd, data.data(), data.size());
  int err = errno;
  ::close(fd);
  if (n < 0) return Error::from_errno(err, fmt::format("write \"{}\" to `{}`", trim(data), path));
  return {};
}

Result<std::string> read_file(const std::string& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error::from_errno(errno, fmt::format("open `{}`", path));
  UniqueFd guard(fd);
  std::string out;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::from_errno(errno, fmt::format("read `{}`", path));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > max_bytes)
      return Error::make(Errc::kInvalidArgument,
                         fmt::format("read `{}`: larger than {} bytes", path, max_bytes));
  }
  return out;
}

Result<void> remove_all_at(int dirfd, const std::string& name) {
  struct stat st;
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return {};
    return Error::from_errno(errno, fmt::format("stat `{}`", printable_path(name)));
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(dirfd, name.c_str(), 0) < 0 && errno != ENOENT)
      return Error::from_errno(errno, fmt::format("unlink `{}`", printable_path(name)));
    return {};
  }
  int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Error::from_errno(errno, fmt::format("open `{}`", printable_path(name)));
  UniqueFd dir(fd);
  WalkVisitor v;
  v.enter = [](const WalkEntry& e) -> Result<bool> {
    if (S_ISDIR(e.st.st_mode)) return true;
    if (::unlinkat(e.parent_fd, e.name.c_str(), 0) < 0 && errno != ENOENT)
      return Error::from_errno(errno, "unlink");
    return false;
  };
  v.leave = [](const WalkEntry& e) -> Result<void> {
    if (::unlinkat(e.parent_fd, e.name.c_str(), AT_REMOVEDIR) < 0 && errno != ENOENT)
      return Error::from_errno(errno, "rmdir");
    return {};
  };
  TRY_CTX(walk_tree(dir.get(), v), "remove `{}`", printable_path(name));
  if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) < 0 && errno != ENOENT)
    return Error::from_errno(errno, fmt::format("rmdir `{}`", printable_path(name)));
  return {};
}

Result<void> remove_all(const std::string& path) { return remove_all_at(AT_FDCWD, path); }

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

Result<uint64_t> tree_size(const std::string& path) {
  auto dir = TRY(open_dir(path));
  uint64_t total = 0;
  WalkVisitor v;
  v.enter = [&](const WalkEntry& e) -> Result<bool> {
    if (S_ISREG(e.st.st_mode) || S_ISLNK(e.st.st_mode))
      total += static_cast<uint64_t>(e.st.st_size);
    return true;
  };
  TRY_CTX(walk_tree(dir.get(), v), "size of `{}`", path);
  return total;
}

namespace {

// Reads the names in the directory fd (not "." and ".."), leaving fd itself as it was.
Result<std::vector<std::string>> list_names(int fd, bool sorted) {
  int dup = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return Error::from_errno(errno, "dup");
  DIR* dir = ::fdopendir(dup);
  if (dir == nullptr) {
    int err = errno;
    ::close(dup);
    return Error::from_errno(err, "fdopendir");
  }
  Defer close_dir([&] { ::closedir(dir); });
  ::rewinddir(dir);  // the dup shares the offset of fd, which an earlier listing moved
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* de = ::readdir(dir)) {
    std::string_view n = de->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
    errno = 0;
  }
  if (errno != 0) return Error::from_errno(errno, "readdir");
  if (sorted) std::sort(names.begin(), names.end());
  return names;
}

// A directory on the current path of a walk.
struct WalkFrame {
  std::string name;  // in its parent ("" for the root)
  struct stat st;
  std::vector<std::string> names;
  size_t next = 0;
  size_t path_len = 0;  // of the path before this directory's own name was appended
};

class Walker {
 public:
  Walker(const WalkVisitor& v) : v_(v) {}
  Result<void> run(int dir_fd);

 private:
  Result<void> step_into(WalkFrame& top);
  Result<void> step_out();
  std::string_view rel() const { return std::string_view(path_).substr(path_.empty() ? 0 : 1); }

  const WalkVisitor& v_;
  std::vector<WalkFrame> stack_;
  UniqueFd cur_;      // the directory of stack_.back()
  std::string path_;  // "/a/b": each level appends "/name"
};

Result<void> Walker::run(int dir_fd) {
  int fd = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return Error::from_errno(errno, "dup");
  cur_.reset(fd);
  WalkFrame root;
  if (::fstat(fd, &root.st) < 0) return Error::from_errno(errno, "stat");
  root.names = TRY(list_names(fd, v_.sorted));
  stack_.push_back(std::move(root));
  while (!stack_.empty()) {
    WalkFrame& top = stack_.back();
    if (top.next < top.names.size()) {
      TRY(step_into(top));
    } else {
      TRY(step_out());
    }
  }
  return {};
}

// Visits the next name of the current directory, and descends if it is a directory.
Result<void> Walker::step_into(WalkFrame& top) {
  const std::string& name = top.names[top.next++];
  size_t len = path_.size();
  path_ += '/';
  path_ += name;
  Defer restore([&] { path_.resize(len); });
  struct stat st;
  if (::fstatat(cur_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return {};  // gone since the listing
    return Error::from_errno(errno, fmt::format("stat `{}`", printable_path(rel())));
  }
  if (!S_ISDIR(st.st_mode)) {
    TRY_CTX(v_.enter({cur_.get(), name, rel(), st, -1}), "`{}`", printable_path(rel()));
    return {};
  }
  int fd = ::openat(cur_.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return {};  // gone since the stat
  if (fd < 0) return Error::from_errno(errno, fmt::format("open `{}`", printable_path(rel())));
  UniqueFd sub(fd);
  if (!TRY_CTX(v_.enter({cur_.get(), name, rel(), st, fd}), "`{}`", printable_path(rel())))
    return {};
  WalkFrame f;
  f.name = name;
  f.st = st;
  f.path_len = len;
  f.names = TRY_CTX(list_names(fd, v_.sorted), "`{}`", printable_path(rel()));
  restore.cancel();
  stack_.push_back(std::move(f));  // invalidates `top` and `name`
  cur_ = std::move(sub);
  return {};
}

// Leaves the current directory for its parent (through "..", checked), calling leave.
Result<void> Walker::step_out() {
  if (stack_.size() == 1) {
    stack_.pop_back();
    return {};
  }
  WalkFrame& top = stack_.back();
  const WalkFrame& up = stack_[stack_.size() - 2];
  int fd = ::openat(cur_.get(), "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error::from_errno(errno, fmt::format("open `{}/..`", printable_path(rel())));
  UniqueFd parent(fd);
  struct stat st;
  if (::fstat(fd, &st) < 0) return Error::from_errno(errno, "stat `..`");
  if (st.st_dev != up.st.st_dev || st.st_ino != up.st.st_ino)
    return Error::make(Errc::kCorrupt,
                       fmt::format("`{}` moved during the walk", printable_path(rel())));
  if (v_.leave)
    TRY_CTX(v_.leave({fd, top.name, rel(), top.st, cur_.get()}), "`{}`", printable_path(rel()));
  path_.resize(top.path_len);
  stack_.pop_back();
  cur_ = std::move(parent);
  return {};
}

}  // namespace

Result<void> walk_tree(int dir_fd, const WalkVisitor& v) { return Walker(v).run(dir_fd); }

}  // namespace strata::sys
