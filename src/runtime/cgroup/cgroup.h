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
  // The directories create() would make (those missing now, parents first): a state
  // file names them before they exist, so that `delete --force` after a crash finds them.
  virtual std::vector<std::string> planned_dirs() const = 0;
  // Makes the container's cgroup(s), remembering which directories it made (view()),
  // refuses a cgroup that already holds processes (kExists: they would be killed with
  // the container's) and applies the limits. kInvalidArgument names the resource a
  // value is wrong for. On any failure the directories it made are removed again.
  virtual Result<void> create(const oci::Resources& r) = 0;
  virtual Result<void> add_process(pid_t pid) = 0;
  // Writes new limits into the existing cgroup (`update`): only the values `r` sets;
  // kInvalidArgument names what the kernel refused (a memory limit below the current
  // usage, above all). Values written before a refused one stay written, as with runc.
  virtual Result<void> update(const oci::Resources& r) = 0;
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
  // Every process in the container's cgroup and in the cgroups below it (its processes
  // may make some), in every hierarchy, each pid once.
  virtual Result<std::vector<pid_t>> processes() = 0;
  // Kills every process in the subtree at once where the kernel can (v2 cgroup.kill):
  // true if done, false if the caller must signal them one by one.
  virtual Result<bool> kill_all() { return false; }
  virtual Result<void> freeze(bool frozen) = 0;
  virtual Result<bool> frozen() = 0;
  // Removes the directories this container made, deepest first, and below its own
  // cgroup (if it made that) every cgroup its processes made; all must be empty of
  // processes (a parent still holding another container's cgroup stays). Missing is
  // fine. A directory it did not make, nor any below one, is left alone.
  Result<void> destroy();
  virtual CgroupView view() const = 0;
  // Reads one stat file ("memory.max_usage_in_bytes"); for tests and `events`.
  virtual Result<std::string> read(const std::string& controller, const std::string& file) = 0;

 protected:
  friend Result<std::unique_ptr<Manager>> open_recorded(const CgroupView& view);
  // Makes the missing levels of `dir` (recording each in created_), then checks that
  // it is a directory holding no process.
  Result<void> make_leaf(const std::string& dir);
  // Removes what make_leaf made (on a failed create).
  void undo_create();

  std::vector<std::string> created_;  // made by this container, parents first
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

// For state files: the manager for cgroup dirs recorded at create time (and the
// directories it made, which destroy() removes).
Result<std::unique_ptr<Manager>> open_recorded(const CgroupView& view);

// The directories of `dir` and its parents that do not exist, parents first.
std::vector<std::string> missing_levels(const std::string& dir);

}  // namespace strata::runtime::cgroup
