// SPDX-License-Identifier: Apache-2.0
// The OCI runtime spec's config.json (runtime-spec config.md, config-linux.md), parsed
// strictly: an unknown namespace, a bad mapping or a malformed field is an error naming
// the field ("linux.namespaces[2].type: unknown namespace \"time2\"").
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "oci/json.h"
#include "util/result.h"

namespace strata::oci {

struct Mount {
  std::string destination, type, source;
  std::vector<std::string> options;
  bool operator==(const Mount&) const = default;
};

struct IdMapping {
  uint32_t container_id = 0, host_id = 0, size = 0;
  bool operator==(const IdMapping&) const = default;
};

struct Rlimit {
  std::string type;  // "RLIMIT_NOFILE"
  int resource = 0;
  uint64_t soft = 0, hard = 0;
  bool operator==(const Rlimit&) const = default;
};

struct Namespace {
  std::string type;  // "pid", "network", ...
  int flag = 0;      // CLONE_NEWPID, ...
  std::string path;  // join this namespace instead of making one
  bool operator==(const Namespace&) const = default;
};

struct Capabilities {
  std::vector<int> bounding, effective, inheritable, permitted, ambient;
  bool operator==(const Capabilities&) const = default;
};

struct User {
  uint32_t uid = 0, gid = 0;
  std::optional<uint32_t> umask;
  std::vector<uint32_t> additional_gids;
  bool operator==(const User&) const = default;
};

struct Process {
  bool terminal = false;
  std::optional<std::pair<uint16_t, uint16_t>> console_size;  // height, width
  std::vector<std::string> args, env;
  std::string cwd = "/";
  User user;
  std::optional<Capabilities> capabilities;
  std::vector<Rlimit> rlimits;
  bool no_new_privileges = false;
  std::optional<int> oom_score_adj;
  std::string apparmor_profile, selinux_label;
  bool operator==(const Process&) const = default;
};

struct Device {
  std::string path, type;  // type: c, b, u, p
  int64_t major = 0, minor = 0;
  std::optional<uint32_t> file_mode, uid, gid;
  bool operator==(const Device&) const = default;
};

// One linux.resources.devices entry: the devices cgroup's allow/deny rule.
struct DeviceRule {
  bool allow = false;
  char type = 'a';                 // a (all), c, b
  int64_t major = -1, minor = -1;  // -1: any
  std::string access = "rwm";      // some of r, w, m
  bool operator==(const DeviceRule&) const = default;
};

// linux.resources.blockIO (config-linux.md "Block IO"). Zero weights mean unset, as runc
// reads them; a device entry names its block device by major:minor.
struct WeightDevice {
  int64_t major = 0, minor = 0;
  std::optional<uint16_t> weight, leaf_weight;
  bool operator==(const WeightDevice&) const = default;
};
struct ThrottleDevice {
  int64_t major = 0, minor = 0;
  uint64_t rate = 0;  // bytes or operations per second
  bool operator==(const ThrottleDevice&) const = default;
};
struct BlockIO {
  std::optional<uint16_t> weight, leaf_weight;  // 10 to 1000 (v1's range)
  std::vector<WeightDevice> weight_device;
  std::vector<ThrottleDevice> throttle_read_bps, throttle_write_bps, throttle_read_iops,
      throttle_write_iops;
  bool any() const;  // anything to write (non-zero weights or a device entry)
  bool operator==(const BlockIO&) const = default;
};

struct HugepageLimit {
  std::string page_size;  // "2MB", "1GB"
  uint64_t limit = 0;     // bytes
  bool operator==(const HugepageLimit&) const = default;
};

struct RdmaLimit {
  std::optional<uint32_t> hca_handles, hca_objects;
  bool operator==(const RdmaLimit&) const = default;
};

struct Resources {
  // -1 means unlimited for the memory values and pids; 0 for pids means unset (runc).
  std::optional<int64_t> memory_limit, memory_reservation, memory_swap;
  // Deprecated kernel memory limits: kernel is ignored with a warning (runc 1.1);
  // kernelTCP is set on v1 (memory.kmem.tcp.limit_in_bytes, as crun does).
  std::optional<int64_t> memory_kernel, memory_kernel_tcp;
  std::optional<uint64_t> cpu_shares;
  std::optional<int64_t> cpu_quota;
  std::optional<uint64_t> cpu_period;
  std::optional<int64_t> cpu_realtime_runtime;
  std::optional<uint64_t> cpu_realtime_period;
  std::optional<int64_t> cpu_idle;
  std::string cpuset_cpus, cpuset_mems;
  std::optional<int64_t> pids_limit;
  std::vector<DeviceRule> devices;  // in order; later rules win
  std::optional<uint64_t> memory_swappiness, cpu_burst;
  bool disable_oom_killer = false;
  bool memory_check_before_update = false;  // update: refuse a limit below the usage
  BlockIO block_io;
  std::vector<HugepageLimit> hugepage_limits;
  std::map<std::string, RdmaLimit> rdma;  // device name ("mlx5_1") -> limits
  std::optional<uint32_t> network_class_id;
  std::vector<std::pair<std::string, uint32_t>> network_priorities;  // interface, priority
  std::map<std::string, std::string> unified;                        // cgroup v2 file -> value

  bool any() const;  // is any limit set at all (device rules are not limits)
  bool operator==(const Resources&) const = default;
};

struct Hook {
  std::string path;
  std::vector<std::string> args, env;
  std::optional<int> timeout;
  bool operator==(const Hook&) const = default;
};

struct Hooks {
  std::vector<Hook> prestart, create_runtime, create_container, start_container, poststart,
      poststop;
  bool operator==(const Hooks&) const = default;
};

struct RuntimeSpec {
  std::string oci_version;
  Process process;
  std::string root_path;  // as written (relative to the bundle or absolute)
  bool root_readonly = false;
  std::string hostname, domainname;
  std::vector<Mount> mounts;
  std::vector<Namespace> namespaces;
  std::vector<IdMapping> uid_mappings, gid_mappings;
  std::map<std::string, std::string> sysctl;
  Resources resources;
  std::string cgroups_path;
  std::vector<std::string> masked_paths, readonly_paths;
  std::string rootfs_propagation;
  std::vector<Device> devices;
  Hooks hooks;
  std::map<std::string, std::string> annotations;
  Json seccomp;  // null when absent; compiled by seccomp/
  // linux.timeOffsets: clock ("monotonic", "boottime") -> seconds, nanoseconds.
  std::map<std::string, std::pair<int64_t, uint32_t>> time_offsets;
  bool personality_linux32 = false;  // linux.personality.domain == "LINUX32"

  bool has_namespace(int flag) const;
  const Namespace* find_namespace(int flag) const;
  bool operator==(const RuntimeSpec&) const = default;
};

// Whether the namespace file at `path` is the runtime's own namespace of `type` ("net",
// "mnt"): runc's isHostNetNS, comparing the files' device and inode. A path that cannot
// be read is not (compile_spec names it when it joins).
bool is_own_namespace(const std::string& path, std::string_view type);

// Parses a process object (config.json's "process", or `exec --process FILE`).
Result<Process> parse_process(const Json& process);
// A linux.resources object on its own (`update --resources`), read and checked as in a
// config.json; errors name "linux.resources.<field>".
Result<Resources> parse_linux_resources(const Json& resources);

// Parses config.json text. kInvalidArgument / kUnsupported name the field. Every
// integer is range-checked for its field (json.h int_in_range), every member's type is
// checked, and linux.sysctl keys are refused unless a namespace of the container
// isolates them (check_sysctl). Never throws.
Result<RuntimeSpec> parse_spec(std::string_view text);

// The spec as config.json: parse_spec(spec_to_json(s)) gives back a spec equal to s.
// What is unset (nullopt, empty) is left out.
Json spec_to_json(const RuntimeSpec& spec);
Json process_to_json(const Process& p);

// Refuses linux.sysctl keys that no namespace of the container isolates (runc's
// validate.go rules): IPC keys and fs.mqueue.* need an ipc namespace, net.* a network
// namespace that is not the runtime's own, kernel.hostname and kernel.domainname a uts
// namespace (and no hostname/domainname field they would conflict with); everything
// else (vm.*, kernel.core_pattern, ...) would be written to the host. kInvalidArgument
// names the key.
Result<void> check_sysctl(const RuntimeSpec& spec);

// Capability names ("CAP_SYS_ADMIN") <-> numbers; -1 / "" for an unknown one.
int capability_from_name(std::string_view name);
std::string_view capability_name(int cap);
// RLIMIT_* names <-> numbers; -1 for an unknown name.
int rlimit_from_name(std::string_view name);

}  // namespace strata::oci
