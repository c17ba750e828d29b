// SPDX-License-Identifier: Apache-2.0
#include "store/output_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "store/store_internal.h"
#include "util/log.h"

namespace strata::store {

namespace {

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

constexpr size_t kTempSuffixChars = 8;

// Whether `name` is one of our temp names for `base`: "<base>.tmp-" and 8 hex digits, as
// create() makes them (a user's own "<base>.tmp-notes" is not).
bool is_our_temp(const std::string& name, const std::string& base) {
  std::string prefix = base + ".tmp-";
  if (name.size() != prefix.size() + kTempSuffixChars || !name.starts_with(prefix)) return false;
  return name.find_first_not_of("0123456789abcdef", prefix.size()) == std::string::npos;
}

// Temp files of `path` that no writer holds any more are left over from a killed one:
// only our names, regular files of our own user, that no live writer has locked.
void reclaim_temps(Env& env, const std::string& path) {
  std::string dir = dir_of(path), base = base_of(path);
  auto names = internal::list_dir(dir);
  if (!names.ok()) return;
  for (const auto& n : *names) {
    if (!is_our_temp(n, base)) continue;
    std::string p = dir + "/" + n;
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) continue;
    UniqueFd guard(fd);
    struct stat st;
    if (::fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) < 0) continue;  // its writer is alive
    auto r = env.unlink(p);
    // Swallowed: reclaiming is a courtesy; the save itself does not depend on it.
    if (!r.ok()) log::warn("{}", r.error().message());
  }
}

Result<UniqueFd> locked(Result<UniqueFd> fd, const std::string& what) {
  UniqueFd f = TRY(std::move(fd));
  if (::flock(f.get(), LOCK_EX) < 0)
    return Error::from_errno(errno, fmt::format("lock `{}`", what));
  return f;
}

}  // namespace

Result<std::unique_ptr<OutputFile>> OutputFile::create(const std::string& path, Env& env) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    UniqueFd fd = TRY(env.open(path, O_WRONLY));
    return std::unique_ptr<OutputFile>(new OutputFile(env, path, std::move(fd), "", true));
  }
  reclaim_temps(env, path);
  auto unnamed = env.open(dir_of(path), O_TMPFILE | O_WRONLY, 0644);
  if (unnamed.ok())
    return std::unique_ptr<OutputFile>(
        new OutputFile(env, path, TRY(locked(std::move(unnamed), path)), "", false));
  int err = unnamed.error().sys_errno();
  if (err != EOPNOTSUPP && err != EISDIR && err != EINVAL) return std::move(unnamed).error();
  log::debug("no O_TMPFILE for `{}`: writing a temp file beside it", path);
  std::string tmp = path + ".tmp-" + internal::random_hex(kTempSuffixChars);
  UniqueFd fd = TRY(locked(env.open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644), tmp));
  return std::unique_ptr<OutputFile>(new OutputFile(env, path, std::move(fd), tmp, false));
}

OutputFile::~OutputFile() {
  if (done_ || tmp_.empty()) return;
  auto r = env_.unlink(tmp_);
  // Swallowed: the next save to this path reclaims it (no one holds its lock).
  if (!r.ok()) log::warn("{}", r.error().message());
}

Result<void> OutputFile::write(std::span<const uint8_t> data) {
  return env_.write(fd_.get(), data, tmp_.empty() ? path_ : tmp_);
}

Result<void> OutputFile::name_it() {
  if (!tmp_.empty()) return env_.rename(tmp_, path_);
  auto linked = env_.link_fd(fd_.get(), path_);
  if (linked.ok() || linked.error().code() != Errc::kExists) return linked;
  // Replacing a file takes a rename: link under a temp name (still locked) first.
  tmp_ = path_ + ".tmp-" + internal::random_hex(8);
  TRY(env_.link_fd(fd_.get(), tmp_));
  return env_.rename(tmp_, path_);
}

Result<void> OutputFile::close() {
  if (direct_) {
    done_ = true;
    return {};
  }
  TRY(env_.fsync(fd_.get(), path_));
  TRY(name_it());
  done_ = true;
  TRY(env_.fsync_dir(dir_of(path_)));
  fd_.reset();
  return {};
}

}  // namespace strata::store
