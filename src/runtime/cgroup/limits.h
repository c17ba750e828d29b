// SPDX-License-Identifier: Apache-2.0
// linux.resources written into a container's cgroup files: v1 (one directory per
// controller) and v2 (one directory), with runc's conversions where the two differ.
// A value this host cannot apply is refused naming its field, never dropped.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "oci/runtime_spec.h"
#include "util/result.h"

namespace strata::runtime::cgroup {

// Refuses, naming the field, what the cgroup version cannot apply at all (v2: kernelTCP,
// swappiness, the OOM killer switch, realtime budgets, leaf weights, net_cls/net_prio;
// v1: unified). Reads nothing: create calls it with the spec, before anything is made.
Result<void> check_limit_fields(const oci::Resources& r, bool v2);
// `dirs`: controller ("memory", "blkio", ...) -> the container's directory in it.
Result<void> apply_v1_limits(const std::map<std::string, std::string>& dirs,
                             const oci::Resources& r);
// `dir`: the container's cgroup directory in the unified hierarchy.
Result<void> apply_v2_limits(const std::string& dir, const oci::Resources& r);

// runc's conversions for v2: cpu shares [2, 262144] -> cpu.weight [1, 10000], and a
// blkio weight [10, 1000] -> io.weight [1, 10000].
uint64_t shares_to_weight(uint64_t shares);
uint64_t blkio_weight_to_io_weight(uint64_t weight);

}  // namespace strata::runtime::cgroup
