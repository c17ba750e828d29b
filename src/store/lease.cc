// SPDX-License-Identifier: Apache-2.0
#include "store/lease.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "store/store_internal.h"
#include "sys/fs.h"
#include "util/defer.h"
#include "util/log.h"

namespace strata::store {

namespace {

constexpr int kLeaseAttempts = 8;

// True if `fd` is still the file at `path`: a collector that took the lock of a file
// it found unlocked (before its creator locked it) unlinks it, and the creator retries.
bool still_named(int fd, const std::string& path) {
  struct stat a, b;
  if (::fstat(fd, &a) < 0 || ::stat(path.c_str(), &b) < 0) return false;
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

}  // namespace

Result<LeaseProbe> probe_lease(const std::string& lock_path) {
  LeaseProbe p;
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return p;
    return Error::from_errno(errno, fmt::format("open `{}`", lock_path));
  }
  UniqueFd guard(fd);
  while (::flock(fd, LOCK_EX | LOCK_NB) < 0) {
    if (errno == EWOULDBLOCK) {
      p.state = LeaseState::kLive;
      return p;
    }
    if (errno != EINTR) return Error::from_errno(errno, fmt::format("lock `{}`", lock_path));
  }
  p.state = still_named(fd, lock_path) ? LeaseState::kDead : LeaseState::kGone;
  if (p.state == LeaseState::kDead) p.lock = std::move(guard);
  return p;
}

Result<Lease> Store::begin_lease(std::string_view purpose, int64_t ttl_seconds) {
  for (int attempt = 0; attempt < kLeaseAttempts; ++attempt) {
    std::string id = internal::random_hex(16);
    std::string lock_path = tmp_dir() + "/" + id + ".lock";
    auto fd = env_.open(lock_path, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (!fd.ok() && fd.error().code() == Errc::kExists) continue;
    UniqueFd lock = TRY_CTX(std::move(fd), "begin lease");
    if (::flock(lock.get(), LOCK_EX | LOCK_NB) < 0 || !still_named(lock.get(), lock_path))
      continue;  // a collector took it for a dead one and removed it: try another name
    // Until the row is in, a failure takes back the lock file (and the directory).
    Defer undo([&] {
      (void)sys::remove_all(tmp_dir() + "/" + id);
      ::unlink(lock_path.c_str());
    });
    TRY_CTX(env_.mkdir(tmp_dir() + "/" + id, 0700), "begin lease");
    int64_t now = internal::unix_now();
    auto st = TRY(db_->prepare(
        "INSERT INTO leases (id, purpose, pid, created, expires) VALUES (?, ?, ?, ?, ?)"));
    st.bind(1, id).bind(2, purpose).bind(3, static_cast<int64_t>(::getpid())).bind(4, now);
    st.bind(5, ttl_seconds > 0 ? now + ttl_seconds : int64_t{0});
    TRY(st.run());
    undo.cancel();
    return Lease(this, id, tmp_dir() + "/" + id, lock_path, std::move(lock));
  }
  return Error::make(Errc::kUnavailable, "begin lease: no free lease name");
}

Lease::~Lease() {
  if (!lock_.valid()) return;
  auto r = release();
  // Swallowed: a lease left behind is dead once this process exits, and reclaimed.
  if (!r.ok()) log::warn("release lease {}: {}", id_, r.error().message());
}

Result<void> Lease::check_live() {
  auto row = TRY(store_->db().query_text("SELECT id FROM leases WHERE id = ?", id_));
  if (!row)
    return Error::make(Errc::kUnavailable,
                       fmt::format("lease {} expired and was reclaimed: start again", id_));
  return {};
}

Result<void> Lease::extend(int64_t ttl_seconds) {
  auto st = TRY(store_->db().prepare("UPDATE leases SET expires = ? WHERE id = ? AND expires > 0"));
  st.bind(1, internal::unix_now() + ttl_seconds).bind(2, id_);
  return st.run();
}

Result<void> Lease::release() {
  if (!lock_.valid()) return {};
  // Every step is tried even if one fails (on a full disk, removing the directory is what
  // lets the database write again); the lock file goes last, so that what is left is a
  // lease the next collection finds dead and reclaims.
  Env& env = store_->env();
  Result<void> steps[] = {env.remove_all(dir_),
                          store_->db().exec("DELETE FROM leases WHERE id = ?", id_)};
  for (auto& r : steps)
    if (!r.ok()) return std::move(r).error();
  TRY(env.unlink(lock_path_));
  lock_.reset();
  return {};
}

}  // namespace strata::store
