// SPDX-License-Identifier: Apache-2.0
// Shared by the oci/runtime_spec*.cc files (not a public header).
#pragma once

#include <sched.h>

#include <string_view>
#include <utility>

#include "oci/runtime_spec.h"
#include "oci/runtime_spec_reader.h"

namespace strata::oci {

// The kernel's dev_t: 12 bits of major, 20 of minor (MINORBITS in linux/kdev_t.h).
inline constexpr int64_t kMaxDeviceMajor = (1 << 12) - 1;
inline constexpr int64_t kMaxDeviceMinor = (1 << 20) - 1;

inline constexpr std::pair<const char*, int> kNamespaceTypes[] = {
    {"pid", CLONE_NEWPID},       {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS},
    {"ipc", CLONE_NEWIPC},       {"uts", CLONE_NEWUTS},     {"user", CLONE_NEWUSER},
    {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
};
// "pid" <-> CLONE_NEWPID; 0 / "" when unknown.
int namespace_flag(std::string_view type);
std::string_view namespace_type(int flag);

// A member that asks for nothing: null, an empty object or array, 0, false, "".
bool is_empty_value(const Json& j);

// linux.resources (runtime_spec_resources.cc).
Result<Resources> parse_resources(const spec_reader::Fields& linux);

}  // namespace strata::oci
