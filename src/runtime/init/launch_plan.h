// SPDX-License-Identifier: Apache-2.0
// A LaunchPlan is config.json compiled (by runtime/plan.cc) into flat, ordered
// operations for runtime/init/, which executes them between clone() and execve() and
// decides no policy of its own. Everything that can fail on bad input fails while the
// plan is compiled, in the parent, before any clone. The types here depend on nothing
// but the standard library: the init module may use only sys and util.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace strata::runtime::init {

enum class MountKind {
  kBind,        // bind (or rbind) `source`, then set `flags`
  kFilesystem,  // mount a filesystem of `fstype`
  kCgroupV1,    // tmpfs at destination + a bind of each controller's container cgroup
  kCgroupV2,    // a bind of the container's cgroup directory
};

struct MountOp {
  MountKind kind = MountKind::kFilesystem;
  std::string source, destination, fstype, data;
  unsigned long flags = 0;  // MS_RDONLY, MS_NOSUID, ... (not MS_BIND/MS_REC)
  // Flags an option cleared explicitly (rw, suid, dev, exec, diratime): a bind drops
  // them even where its source has them. Flags in neither set are inherited.
  unsigned long clear_flags = 0;
  unsigned long propagation = 0;  // MS_PRIVATE, MS_SHARED, ... (| MS_REC), applied after
  // An atime option was given (strictatime, noatime, relatime, norelatime, atime,
  // nostrictatime): the atime mode follows `flags` (MS_NOATIME, else MS_STRICTATIME,
  // else relatime) instead of being inherited.
  bool set_atime = false;
  bool recursive = false;                          // rbind
  bool file_target = false;                        // bind of a non-directory: the target is a file
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

struct Rlimit {
  std::string name;  // "RLIMIT_NOFILE", for errors
  int resource = 0;
  uint64_t soft = 0, hard = 0;
};

struct User {
  uint32_t uid = 0, gid = 0;
  std::optional<uint32_t> umask;
  std::vector<uint32_t> additional_gids;
};

// One OCI hook (runtime-spec config.md "POSIX-platform Hooks").
struct Hook {
  std::string path;
  std::vector<std::string> args, env;
  std::optional<int> timeout;  // seconds
};

struct LaunchPlan {
  std::string rootfs;  // absolute host path
  // No mount namespace listed: the container shares the runtime's mount table, so
  // nothing is mounted and the init chroots into the rootfs (as runc does).
  bool mount_namespace = true;
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
  std::vector<Rlimit> rlimits;
  std::optional<int> oom_score_adj;
  bool personality_linux32 = false;
  User user;
  std::optional<CapSets> caps;
  bool no_new_privileges = false;
  std::vector<std::string> args, env;
  std::string cwd;
  bool terminal = false;  // a pty from the container's devpts, master sent to the console socket
  std::optional<std::pair<uint16_t, uint16_t>> console_size;
  // The pty's peer is bound on /dev/console: for the container's init, never for an
  // exec'd process (which would stack a mount on the container's /dev/console each
  // time, or on the host's in a container without a mount namespace), as in runc.
  bool bind_console = false;
  std::string seccomp_bpf;     // a struct sock_filter array; empty for none
  unsigned seccomp_flags = 0;  // with NEW_LISTENER the init sends kSeccompFd to the parent
  int preserve_fds = 0;        // fds 3 .. 3+n-1 stay open in the container
  // Hooks the init runs itself; prestart/createRuntime make it stop for the parent.
  std::vector<Hook> create_container_hooks, start_container_hooks;
  bool parent_hooks = false;
};

// Whether the init is cloned by a joiner process rather than by the runtime itself:
// namespaces to join first, or a new time namespace.
inline bool needs_joiner(const LaunchPlan& p) {
  return !p.prejoin_namespaces.empty() || p.new_timens;
}

}  // namespace strata::runtime::init
