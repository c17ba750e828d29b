// SPDX-License-Identifier: Apache-2.0
// A container's cgroup counters in runc's stats shape (runc types/events.go: cpu,
// memory, pids), so an engine that reads `runc events --stats` reads ours unchanged.
#pragma once

#include <cstdint>

#include "oci/json.h"
#include "runtime/cgroup/cgroup.h"

namespace strata::runtime::cgroup {

// The "data" object of a stats event. Counters a hierarchy lacks are left out.
oci::Json collect_stats(Manager& m);

// Times the OOM killer acted in the cgroup (v1 memory.oom_control, v2 memory.events).
uint64_t oom_kills(Manager& m);

}  // namespace strata::runtime::cgroup
