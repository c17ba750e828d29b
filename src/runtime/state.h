// SPDX-License-Identifier: Apache-2.0
// A container's state: <root>/<id>/state.json, written by create and read by every
// other command. The status is computed, never stored: the init's start time must
// match the recorded one (against pid reuse) and it must not be a zombie, else
// "stopped"; the exec fifo still there means "created"; the freezer says "paused".
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "oci/json.h"
#include "runtime/plan.h"

namespace strata::runtime {

struct ContainerState {
  std::string oci_version, id, status, bundle, rootfs, created, owner;
  pid_t pid = 0;
  uint64_t start_time = 0;
  std::map<std::string, std::string> annotations;
  CgroupView cgroup;
};

// Validates a container ID: [A-Za-z0-9_.+-], at most 1024 characters, not "." or "..".
Result<void> check_id(const std::string& id);

std::string state_dir(const std::string& root, const std::string& id);

// Writes state.json (atomically) into the container's state directory.
Result<void> save_state(const std::string& root, const ContainerState& s);

// Reads state.json and computes the status. kNotFound: no such container; kCorrupt:
// the file is not what create wrote (the error names the file and the field).
Result<ContainerState> load_state(const std::string& root, const std::string& id);

// The cgroup state.json records, without computing the status (no /proc or cgroup
// reads): what create checks against every other container's.
Result<CgroupView> load_recorded_cgroup(const std::string& root, const std::string& id);

// For `delete --force` of a container whose state.json is damaged: every field that
// still reads (the cgroup, above all, which finds its processes); *damage is the
// error that load_state gives.
ContainerState salvage_state(const std::string& root, const std::string& id, Error* damage);

// The state as runc prints it (runtime-spec runtime.md "State").
oci::Json state_json(const ContainerState& s);
ContainerState with_status(const ContainerState& s, const char* status);

}  // namespace strata::runtime
