// SPDX-License-Identifier: Apache-2.0
// The part of config.json the create/run flags of host_flags.h decide: capabilities,
// seccomp, no-new-privileges, --privileged, devices, rlimits, the extra cgroup limits,
// a read-only root and --init; and the lines --add-host and --dns* put into the hosts
// and resolv.conf files Strata generates.
#pragma once

#include <string>

#include "container/container.h"
#include "oci/json.h"

namespace strata::container {

// Where --init's binary is taken from: Debian's tini-static (package tini), else a
// docker-init beside Docker. kNotFound says what to install.
Result<std::string> find_init_binary();

// Applies c.host_config's flags to `spec` (made by make_spec with Docker's defaults).
Result<void> apply_host_flags(const Container& c, oci::Json& spec);

// "ip\tname" lines for ExtraHosts, appended to the generated /etc/hosts.
std::string extra_hosts_lines(const oci::Json& host_config);
// resolv.conf with Dns, DnsSearch and DnsOptions replacing the host's nameserver,
// search and options lines (Docker's rule: each given list replaces its kind).
std::string resolv_conf_with(const std::string& base, const oci::Json& host_config);

}  // namespace strata::container
