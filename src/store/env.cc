// SPDX-License-Identifier: Apache-2.0
#include "store/env.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "archive/stream.h"
#include "sys/fs.h"

namespace strata::store {

Env& Env::real() {
  static Env env;
  return env;
}

Result<UniqueFd> Env::open(const std::string& path, int flags, mode_t mode) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) return Error::from_errno(errno, fmt::format("open `{}`", path));
  return UniqueFd(fd);
}

Result<void> Env::write(int fd, std::span<const uint8_t> data, std::string_view name) {
  return archive::FdWriter(fd, std::string(name)).write(data);
}

Result<void> Env::fsync(int fd, std::string_view name) {
  if (::fsync(fd) < 0) return Error::from_errno(errno, fmt::format("fsync `{}`", name));
  return {};
}

Result<void> Env::syncfs(const std::string& path) {
  auto fd = TRY(open(path, O_RDONLY | O_DIRECTORY));
  if (::syncfs(fd.get()) < 0) return Error::from_errno(errno, fmt::format("syncfs `{}`", path));
  return {};
}

Result<void> Env::rename(const std::string& from, const std::string& to, unsigned flags) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), flags) < 0)
    return Error::from_errno(errno, fmt::format("rename `{}` to `{}`", from, to));
  return {};
}

Result<void> Env::mkdir(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) < 0)
    return Error::from_errno(errno, fmt::format("mkdir `{}`", path));
  return {};
}

Result<void> Env::symlink(const std::string& target, const std::string& path) {
  if (::symlink(target.c_str(), path.c_str()) < 0)
    return Error::from_errno(errno, fmt::format("symlink `{}`", path));
  return {};
}

Result<void> Env::unlink(const std::string& path) {
  if (::unlink(path.c_str()) < 0 && errno != ENOENT)
    return Error::from_errno(errno, fmt::format("unlink `{}`", path));
  return {};
}

Result<void> Env::remove_all(const std::string& path) { return sys::remove_all(path); }

Result<void> Env::link_fd(int fd, const std::string& path) {
  std::string proc = fmt::format("/proc/self/fd/{}", fd);
  if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, path.c_str(), AT_SYMLINK_FOLLOW) < 0)
    return Error::from_errno(errno, fmt::format("link `{}`", path));
  return {};
}

Result<void> Env::fsync_dir(const std::string& path) {
  auto fd = TRY(open(path, O_RDONLY | O_DIRECTORY));
  return fsync(fd.get(), path);
}

}  // namespace strata::store
