// SPDX-License-Identifier: Apache-2.0
// The commands on a container's file system: diff, commit, export (fs_cmds.cc) and cp
// (cp.cc), each at the top level and under `container`.
#pragma once

#include "cli/container_io.h"

namespace strata::cli {

void register_fs_commands(const AddBoth& both, Context& ctx);  // diff commit export
void register_cp_command(const AddBoth& both, Context& ctx);

}  // namespace strata::cli
