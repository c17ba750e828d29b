// SPDX-License-Identifier: Apache-2.0
// Runs one OCI hook (runtime-spec config.md "POSIX-platform Hooks"): fork + exec of
// hook.path with hook.args and hook.env, the container state JSON on its stdin, killed
// hook.timeout seconds (CLOCK_MONOTONIC) after the fork, whether it is still being
// fed its stdin or not. Used by the runtime and by the init (sys and util only).
#pragma once

#include <string_view>
#include <vector>

#include "runtime/init/launch_plan.h"
#include "util/result.h"

namespace strata::runtime::init {

// kInternal "hook `path`: exited with status N" / "timed out after N s".
Result<void> run_hook(const Hook& hook, std::string_view state_json);
Result<void> run_hooks(const std::vector<Hook>& hooks, std::string_view state_json,
                       std::string_view stage);

}  // namespace strata::runtime::init
