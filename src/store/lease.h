// SPDX-License-Identifier: Apache-2.0
// Leases: work in progress that garbage collection must leave alone. A lease owns the
// scratch directory tmp/<id>/ and, in the database, a `leases` row with the blobs, layers
// and links it has placed but no image names yet (`lease_resources`).
//
// A lease is live while the process holding it is: the holder keeps an flock on
// tmp/<id>.lock, which the kernel drops the moment it dies (in any pid namespace, with
// no pid to be reused), so a `kill -9` leaves a lease the next collection reclaims at
// once. A lease may also have an expiry (work that outlives a request, such as a
// registry upload): past it, the lease is reclaimed even if its holder lives, and the
// holder's next step fails with kUnavailable.
#pragma once

#include <cstdint>
#include <string>

#include "util/result.h"
#include "util/unique_fd.h"

namespace strata::store {

class Store;

class Lease {
 public:
  Lease(Lease&& o) noexcept = default;
  Lease& operator=(Lease&&) = delete;
  // Releases the lease if release() was not called; failures are logged (what is left
  // is a dead lease that the next collection reclaims).
  ~Lease();

  const std::string& id() const { return id_; }
  bool valid() const { return lock_.valid(); }
  // tmp/<id>: the lease's scratch directory.
  const std::string& dir() const { return dir_; }

  // Inside a transaction: kUnavailable if collection has reclaimed this lease.
  Result<void> check_live();
  // Moves the expiry of a lease that has one to ttl_seconds from now.
  Result<void> extend(int64_t ttl_seconds);
  // Deletes the row (and with it what the lease holds), the directory and the lock.
  Result<void> release();

 private:
  friend class Store;
  Lease(Store* store, std::string id, std::string dir, std::string lock_path, UniqueFd lock)
      : store_(store),
        id_(std::move(id)),
        dir_(std::move(dir)),
        lock_path_(std::move(lock_path)),
        lock_(std::move(lock)) {}

  Store* store_;
  std::string id_, dir_, lock_path_;
  UniqueFd lock_;  // invalid once released
};

// What garbage collection finds when it tries a lease's lock.
enum class LeaseState {
  kLive,  // someone holds the lock
  kDead,  // nobody does: the probe now holds it
  kGone,  // no lock file
};
struct LeaseProbe {
  LeaseState state = LeaseState::kGone;
  UniqueFd lock;  // held when kDead
};
Result<LeaseProbe> probe_lease(const std::string& lock_path);

}  // namespace strata::store
