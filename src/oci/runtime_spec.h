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
};

struct IdMapping {
  uint32_t container_id = 0, host_id = 0, size = 0;
};

struct Rlimit {
  std::string type;  // "RLIMIT_NOFILE"
  int resource = 0;
  uint64_t soft = 0, hard = 0;
};

struct Namespace {
  std::string type;  // "pid", "network", ...
  int flag = 0;      // CLONE_NEWPID, ...
  std::string path;  // join this namespace instead of making one
};

struct Capabilities {
  std::vector<int> bounding, effective, inheritable, permitted, ambient;
};

struct User {
  uint32_t uid = 0, gid = 0;
  std::optional<uint32_t> umask;
  std::vector<uint32_t> additional_gids;
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
};

struct Device {
  std::string path, type;  // type: c, b, u, p
  int64_t major = 0, minor = 0;
  std::optional<uint32_t> file_mode, uid, gid;
};

// One linux.resources.devices entry: the devices cgroup's allow/deny rule.
struct DeviceRule {
  bool allow = false;
  char type = 'a';                 // a (all), c, b
  int64_t major = -1, minor = -1;  // -1: any
  std::string access = "rwm";      // some of r, w, m
};

struct Resources {
  std::optional<int64_t> memory_limit, memory_reservation, memory_swap;
  std::optional<uint64_t> cpu_shares;
  std::optional<int64_t> cpu_quota;
  std::optional<uint64_t> cpu_period;
  std::string cpuset_cpus, cpuset_mems;
  std::optional<int64_t> pids_limit;
  std::vector<DeviceRule> devices;  // in order; later rules win
  std::optional<uint64_t> memory_swappiness, cpu_burst;
  bool disable_oom_killer = false;
  std::map<std::string, std::string> unified;  // cgroup v2 file -> value

  bool any() const;  // is any limit set at all (device rules are not limits)
};

struct Hook {
  std::string path;
  std::vector<std::string> args, env;
  std::optional<int> timeout;
};

struct Hooks {
  std::vector<Hook> prestart, create_runtime, create_container, start_container, poststart,
      poststop;
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
};

// Parses a process object (config.json's "process", or `exec --process FILE`).
Result<Process> parse_process(const Json& process);

// Parses config.json text. kInvalidArgument / kUnsupported name the field.
Result<RuntimeSpec> parse_spec(std::string_view text);

// Capability names ("CAP_SYS_ADMIN") <-> numbers; -1 for an unknown name.
int capability_from_name(std::string_view name);
// RLIMIT_* names <-> numbers; -1 for an unknown name.
int rlimit_from_name(std::string_view name);

}  // namespace strata::oci
