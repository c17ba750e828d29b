// SPDX-License-Identifier: Apache-2.0
// The create/run flags that shape a container's environment, /etc/hosts and resolv.conf,
// limits and security (docs/CONTAINERS.md "Create and run flags"): their parsers, each
// with Docker's syntax and error texts, and record_host_flags, which validates them all
// and records them in Docker's Config/HostConfig fields before anything is created.
// spec_flags.cc turns the recorded fields into config.json.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "container/healthcheck.h"
#include "oci/json.h"
#include "util/result.h"

namespace strata::container {

// What the flags give, as typed (sizes already parsed by the CLI).
struct HostFlags {
  std::vector<std::string> env_files;
  std::vector<std::string> add_hosts, dns, dns_search, dns_options;
  int64_t memory_swap = 0;  // bytes; -1 unlimited; 0 unset
  int64_t memory_reservation = 0, cpu_shares = 0;
  std::string cpuset_cpus;
  std::vector<std::string> ulimits, cap_add, cap_drop, devices, security_opt, log_opts;
  bool privileged = false, read_only = false, init = false;
  HealthFlags health;  // --health-*, --no-healthcheck (healthcheck.h)
};

// Docker's env-file format: one K=V a line, a bare K takes the value of the caller's K
// (left out if unset), lines starting with # and blank lines skipped. `path` names the
// file in errors ("FILE:3: variable 'a b' contains whitespaces").
Result<std::vector<std::string>> parse_env_file(std::string_view text, std::string_view path);
// Reads and parses each file in turn; a missing one: "open FILE: no such file or directory".
Result<std::vector<std::string>> read_env_files(const std::vector<std::string>& paths);

// --add-host "name:ip" or "name=ip" (IPv6 bare or in brackets) as Docker records it in
// ExtraHosts: "name:ip". host-gateway is refused (no networking yet).
Result<std::string> parse_add_host(std::string_view value);
bool is_ip_address(std::string_view s);

// --ulimit name=soft[:hard]: Docker's names (nofile, nproc, core, ...) and Docker's
// Ulimits entry {"Name", "Soft", "Hard"}; -1 is unlimited. A value above the host's
// hard limit is refused (root here lacks CAP_SYS_RESOURCE).
Result<oci::Json> parse_ulimit(std::string_view value);
// A cpu list ("0-2,4") as the set of cpus it names; `online` is the host's list.
Result<std::vector<int>> parse_cpu_list(std::string_view list);
Result<void> check_cpuset(std::string_view wanted, std::string_view online);
// "sys_admin", "CAP_NET_ADMIN", "ALL" → "CAP_SYS_ADMIN", ..., "ALL"; unknown names refused.
Result<std::string> normalize_cap(std::string_view name);
// --device /dev/x[:/dev/y][:rwm] as Docker's {PathOnHost, PathInContainer,
// CgroupPermissions}; the host device must exist.
Result<oci::Json> parse_device(std::string_view value);
// --log-opt max-size=10m, max-file=3: Docker's json-file options, checked.
Result<oci::Json> parse_log_opts(const std::vector<std::string>& opts);

// The monitor's rotation of the json-file log: max-size in bytes and max-file, as
// decimal text, from HostConfig.LogConfig; what the user left out takes Strata's
// defaults (Docker leaves the log unbounded): 10 MiB, 3 files.
Result<std::pair<std::string, std::string>> log_rotation(const oci::Json& host_config);

// Docker's checks of --memory-swap and --memory-reservation against --memory (also
// what `update` checks its merged values with).
Result<void> check_memory(const HostFlags& f, int64_t memory);

// Validates every flag and records it in c.config/c.host_config (Docker's names:
// ExtraHosts, Dns, DnsSearch, DnsOptions, MemorySwap, MemoryReservation, CpuShares,
// CpusetCpus, Ulimits, CapAdd, CapDrop, Privileged, Devices, SecurityOpt,
// ReadonlyRootfs, Init, LogConfig). kInvalidArgument / kNotFound name the flag.
Result<void> record_host_flags(const HostFlags& f, oci::Json& host_config);

}  // namespace strata::container
