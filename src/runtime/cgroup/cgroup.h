// SPDX-License-Identifier: Apache-2.0
// Cgroup managers behind one interface: v1 (one hierarchy per controller, as on this
// machine) and v2 (the unified hierarchy of a fresh Debian 12 or Fedora host), chosen
// by what /sys/fs/cgroup is. A hybrid host (v1 controllers plus a near-empty cgroup2
// mount at /sys/fs/cgroup/unified) is treated as v1.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "oci/runtime_spec.h"
#include "runtime/plan.h"
#include "util/unique_fd.h"

namespace strata::runtime::cgroup {

class Manager {
 public:
  virtual ~Manager() = default;
  // Creates the container's cgroup(s) and applies the limits. kInvalidArgument names
  // the resource a value is wrong for; the cgroup is removed again on failure.
  virtual Result<void> create(const oci::Resources& r) = 0;
  virtual Result<void> add_process(pid_t pid) = 0;
  // How a new process gets in without a move by pid, which takes the kernel's global
  // threadgroup lock and waits for an RCU grace period (5-15 ms per container start).
  struct Entry {
    // v1: `tasks` files the (single-threaded) process writes "0" to, moving itself.
    std::vector<UniqueFd> self_join;
    // v2: the directory for clone3(CLONE_INTO_CGROUP), which places a child at birth.
    UniqueFd clone_into;
  };
  virtual Result<Entry> open_entry() { return Entry{}; }
  // After the clone: moves `pid` by pid unless the entry got it in (cloned into the
  // cgroup, or it joins by itself).
  Result<void> admit(pid_t pid, const Entry& e, bool placed) {
    if (placed || !e.self_join.empty()) return {};
    return add_process(pid);
  }
  virtual Result<std::vector<pid_t>> processes() = 0;
  virtual Result<void> freeze(bool frozen) = 0;
  virtual Result<bool> frozen() = 0;
  // Removes the cgroup(s); they must be empty. Missing is fine.
  virtual Result<void> destroy() = 0;
  virtual CgroupView view() const = 0;
  // Reads one stat file ("memory.max_usage_in_bytes"); for tests and `events`.
  virtual Result<std::string> read(const std::string& controller, const std::string& file) = 0;
};

bool host_is_v2();

// The manager for a container. `path` is linux.cgroupsPath: absolute (from the
// hierarchy root), relative (below this process's own cgroup) or empty (<own>/<id>).
Result<std::unique_ptr<Manager>> open(const std::string& path, const std::string& id);

// The v2 manager for `dir` in a unified hierarchy mounted at `root` (for tests: a
// plain directory tree standing in for /sys/fs/cgroup).
std::unique_ptr<Manager> v2_at(const std::string& root, const std::string& dir);

// No cgroup at all: a rootless container that asked for no limits (as runc does).
std::unique_ptr<Manager> none();

// For state files: the manager for cgroup dirs recorded at create time.
Result<std::unique_ptr<Manager>> open_recorded(const CgroupView& view);

}  // namespace strata::runtime::cgroup
