// SPDX-License-Identifier: Apache-2.0
#include "sys/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <random>
#include <vector>

#include "util/defer.h"
#include "util/strings.h"

namespace strata::sys {

Result<UniqueFd> openat2(int dirfd, std::string_view path, uint64_t flags, uint64_t mode,
                         uint64_t resolve) {
  struct open_how how = {};
  how.flags = flags;
  how.mode = mode;
  how.resolve = resolve;
  std::string p(path.empty() ? "." : path);
  int fd;
  do {
    fd = static_cast<int>(syscall(SYS_openat2, dirfd, p.c_str(), &how, sizeof(how)));
  } while (fd < 0 && errno == EAGAIN);
  if (fd < 0) return Error::from_errno(errno, fmt::format("openat2 `{}`", p));
  return UniqueFd(fd);
}

Result<UniqueFd> open_in_root(int root_fd, std::string_view rel, int flags, mode_t mode) {
  return openat2(root_fd, rel, static_cast<uint64_t>(flags) | O_CLOEXEC, mode,
                 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
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
    return Error::from_errno(errno, fmt::format("stat `{}`", name));
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(dirfd, name.c_str(), 0) < 0 && errno != ENOENT)
      return Error::from_errno(errno, fmt::format("unlink `{}`", name));
    return {};
  }
  int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Error::from_errno(errno, fmt::format("open `{}`", name));
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    int err = errno;
    ::close(fd);
    return Error::from_errno(err, fmt::format("fdopendir `{}`", name));
  }
  Defer close_dir([&] { ::closedir(dir); });
  std::vector<std::string> names;
  while (struct dirent* de = ::readdir(dir)) {
    std::string_view n = de->d_name;
    if (n == "." || n == "..") continue;
    names.emplace_back(n);
  }
  for (const auto& n : names) TRY_CTX(remove_all_at(::dirfd(dir), n), "remove `{}`", name);
  if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) < 0 && errno != ENOENT)
    return Error::from_errno(errno, fmt::format("rmdir `{}`", name));
  return {};
}

Result<void> remove_all(const std::string& path) { return remove_all_at(AT_FDCWD, path); }

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

static Result<uint64_t> tree_size_at(int dirfd) {
  DIR* dir = ::fdopendir(dirfd);
  if (dir == nullptr) {
    int err = errno;
    ::close(dirfd);
    return Error::from_errno(err, "fdopendir");
  }
  Defer close_dir([&] { ::closedir(dir); });
  uint64_t total = 0;
  while (struct dirent* de = ::readdir(dir)) {
    std::string_view n = de->d_name;
    if (n == "." || n == "..") continue;
    struct stat st;
    if (::fstatat(::dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
    if (S_ISDIR(st.st_mode)) {
      int fd = ::openat(::dirfd(dir), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) continue;
      total += TRY(tree_size_at(fd));
    } else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) {
      total += static_cast<uint64_t>(st.st_size);
    }
  }
  return total;
}

Result<uint64_t> tree_size(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error::from_errno(errno, fmt::format("open `{}`", path));
  return tree_size_at(fd);
}

}  // namespace strata::sys
