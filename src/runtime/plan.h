// SPDX-License-Identifier: Apache-2.0
// config.json (oci::RuntimeSpec) compiled into the init's LaunchPlan
// (runtime/init/launch_plan.h) and the parent's part of the work: the seccomp agent and
// the hooks the runtime runs itself. Everything that can fail on bad input, seccomp
// compilation included, fails here, before anything is made on disk or in the kernel.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "oci/runtime_spec.h"
#include "runtime/init/launch_plan.h"

namespace strata::runtime {

using init::CapSets;
using init::LaunchPlan;
using init::MountKind;
using init::MountOp;

// Where the container's cgroup lives on the host, for mounts of type "cgroup".
struct CgroupView {
  bool v2 = false;
  std::map<std::string, std::string> v1_dirs;  // controller -> host directory
  std::string v2_dir;
  // The directories this container made (leaves and parents, parents first): delete
  // removes these and no others.
  std::vector<std::string> created;
};

// The seccomp agent a listener fd goes to (linux.seccomp.listenerPath), if any.
struct SeccompAgent {
  std::string listener_path, metadata;
};

// The hooks the runtime runs itself (prestart and createRuntime at the init's sync
// point, poststart in start, poststop in delete).
struct RuntimeHooks {
  std::vector<init::Hook> prestart, create_runtime, poststart, poststop;
};

struct CompiledSpec {
  LaunchPlan plan;
  SeccompAgent agent;
  RuntimeHooks hooks;
};

// Compiles a parsed spec for create. `bundle` resolves a relative root.path and bind
// sources; `cg` is where the cgroup will be (nothing is made yet).
Result<CompiledSpec> compile_spec(const oci::RuntimeSpec& spec, const std::string& bundle,
                                  const CgroupView& cg);

// Compiles the plan of a process exec'd into a container made from `spec`.
Result<CompiledSpec> compile_exec(const oci::RuntimeSpec& spec, const oci::Process& process);

// Points the plan's cgroup mounts at `cg` (when the cgroup changed after compiling: a
// rootless container that runs without one).
void set_cgroup_view(LaunchPlan* plan, const CgroupView& cg);

// Refuses an AppArmor profile or SELinux label on a host whose LSM would enforce it:
// this runtime cannot apply them. On hosts without the LSM they are ignored.
Result<void> check_lsm_labels(const oci::Process& p);

// The capability sets of a process as bit masks.
CapSets cap_sets(const oci::Capabilities& c);

// Parses mount options into a MountOp's flags, propagation and data.
Result<void> parse_mount_options(const std::vector<std::string>& options, MountOp* op);

// The spec's hooks as the init runs them.
std::vector<init::Hook> to_hooks(const std::vector<oci::Hook>& hooks);

}  // namespace strata::runtime
