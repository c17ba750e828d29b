// SPDX-License-Identifier: Apache-2.0
// The devices cgroup: linux.resources.devices, then the devices every container needs
// (runc's default allow list) and an allow for each linux.devices node, given to the
// kernel as v1 devices.allow/devices.deny lines or as a v2 BPF_PROG_TYPE_CGROUP_DEVICE
// program (cgroup v2 has no devices files).
#pragma once

#include <linux/bpf.h>

#include <string>
#include <vector>

#include "oci/runtime_spec.h"
#include "util/result.h"

namespace strata::runtime::cgroup {

// The rules to apply, in order (later ones win): deny everything, the spec's rules,
// the default devices, linux.devices. A spec without rules gets the defaults only,
// as with runc.
std::vector<oci::DeviceRule> device_rules(const oci::RuntimeSpec& spec);

// v1: each rule as one write to `dir`/devices.allow or devices.deny.
Result<void> write_v1_device_rules(const std::string& dir,
                                   const std::vector<oci::DeviceRule>& rules);

// v2: the program deciding each access by the last rule that matches it; no match
// allows (a cgroup without rules allows everything). A deny rule matches when it
// names any of the requested access bits, an allow rule when it names all of them.
std::vector<struct bpf_insn> device_program(const std::vector<oci::DeviceRule>& rules);

// v2: loads device_program(rules) and attaches it to the cgroup `dir`.
Result<void> attach_v2_device_program(const std::string& dir,
                                      const std::vector<oci::DeviceRule>& rules);

}  // namespace strata::runtime::cgroup
