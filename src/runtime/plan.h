// SPDX-License-Identifier: Apache-2.0
// A LaunchPlan is config.json compiled into flat, ordered operations for runtime/init/,
// which executes them between clone() and execve() and decides no policy of its own.
// Everything that can fail on bad input fails here, in the parent, before any clone.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "oci/runtime_spec.h"

namespace strata::runtime {

enum class MountKind {
  kBind,        // bind (or rbind) `source`, then remount with `flags`
  kFilesystem,  // mount a filesystem of `fstype`
  kCgroupV1,    // tmpfs at destination + a bind of each controller's container cgroup
  kCgroupV2,    // a bind of the container's cgroup directory
};

struct MountOp {
  MountKind kind = MountKind::kFilesystem;
  std::string source, destination, fstype, data;
  unsigned long flags = 0;        // MS_RDONLY, MS_NOSUID, ... (not MS_BIND/MS_REC)
  unsigned long propagation = 0;  // MS_PRIVATE, MS_SHARED, ... (| MS_REC), applied after
  bool recursive = false;         // rbind
  bool file_target = false;       // bind of a non-directory: the target is a file
  std::map<std::string, std::string> cgroup_dirs;  // kCgroupV1: controller -> host dir
};

struct DeviceNode {
  std::string path;  // inside the container
  mode_t type = 0;   // S_IFCHR, S_IFBLK, S_IFIFO
  dev_t rdev = 0;
  mode_t mode = 0666;
  uid_t uid = 0;
  gid_t gid = 0;
};

struct CapSets {
  uint64_t bounding = 0, effective = 0, inheritable = 0, permitted = 0, ambient = 0;
};

struct LaunchPlan {
  std::string rootfs;  // absolute host path
  bool rootfs_readonly = false;
  bool no_pivot = false;  // --no-pivot: MS_MOVE the rootfs onto / and chroot (ramfs roots)
  unsigned long rootfs_propagation = 0;  // 0: leave rprivate
  int clone_flags = 0;                   // namespaces to create at clone
  bool unshare_cgroupns = false;         // after joining the cgroup: its root is ours
  std::vector<std::pair<int, std::string>> join_namespaces;  // CLONE_NEW*, path
  // User and pid namespaces to join before the init exists (pid: setns only moves
  // children; user: the new namespaces must belong to it). User first.
  std::vector<std::pair<int, std::string>> prejoin_namespaces;
  // A new time namespace: CLONE_NEWTIME shares its bit with clone()'s exit signal, and
  // offsets can be set only before a process is in it, so a joiner process unshares
  // it, writes time_offsets to /proc/self/timens_offsets, then clones the init.
  bool new_timens = false;
  std::string time_offsets;  // "monotonic S NS\nboottime S NS\n"
  bool new_userns = false;   // id maps are written only for a user namespace we made
  bool userns = false;
  std::vector<MountOp> mounts;
  std::vector<DeviceNode> devices;  // default devices first, then linux.devices
  std::vector<std::string> masked_paths, readonly_paths;
  bool set_hostname = false;
  std::string hostname, domainname;
  std::vector<std::pair<std::string, std::string>> sysctl;  // /proc/sys/<path>, value
  std::vector<oci::Rlimit> rlimits;
  std::optional<int> oom_score_adj;
  bool personality_linux32 = false;
  oci::User user;
  std::optional<CapSets> caps;
  bool no_new_privileges = false;
  std::vector<std::string> args, env;
  std::string cwd;
  bool terminal = false;  // a pty from the container's devpts, master sent to the console socket
  std::optional<std::pair<uint16_t, uint16_t>> console_size;
  std::string seccomp_bpf;     // a struct sock_filter array; empty for none
  unsigned seccomp_flags = 0;  // with NEW_LISTENER the init sends kSeccompFd to the parent
  std::string seccomp_listener, seccomp_metadata;  // parent side: the agent for that fd
  int preserve_fds = 0;                            // fds 3 .. 3+n-1 stay open in the container
  // v1 `tasks` files the process writes "0" to, to join its cgroups itself (the
  // runtime opened them; see cgroup::Manager::Entry). Empty: the runtime
  // moves it.
  std::vector<int> cgroup_join_fds;
  // Hooks the init runs itself; prestart/createRuntime make it stop for the parent.
  std::vector<oci::Hook> create_container_hooks, start_container_hooks;
  bool parent_hooks = false;
};

// Where the container's cgroup lives on the host, for mounts of type "cgroup".
struct CgroupView {
  bool v2 = false;
  std::map<std::string, std::string> v1_dirs;  // controller -> host directory
  std::string v2_dir;
};

// Whether the init is cloned by a joiner process (clone_via_joiner) rather than by
// the runtime itself: namespaces to join first, or a new time namespace.
inline bool needs_joiner(const LaunchPlan& p) {
  return !p.prejoin_namespaces.empty() || p.new_timens;
}

// Refuses an AppArmor profile or SELinux label on a host whose LSM would enforce it:
// this runtime cannot apply them. On hosts without the LSM they are ignored.
Result<void> check_lsm_labels(const oci::Process& p);

// Compiles a parsed spec. `bundle` resolves a relative root.path.
Result<LaunchPlan> compile_plan(const oci::RuntimeSpec& spec, const std::string& bundle,
                                const CgroupView& cg);

// The capability sets of a process as bit masks.
CapSets cap_sets(const oci::Capabilities& c);

// Parses mount options into a MountOp's flags, propagation and data.
Result<void> parse_mount_options(const std::vector<std::string>& options, MountOp* op);

}  // namespace strata::runtime
