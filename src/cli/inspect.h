// SPDX-License-Identifier: Apache-2.0
// `inspect`, `container inspect` and `image inspect`: objects in the shape of Docker's
// inspect JSON, printed as an indented array or through --format.
#pragma once

#include <string>
#include <vector>

#include "cli/command.h"

namespace strata::cli {

// `image inspect`: the images as Docker shows them; an unknown one is the store's
// kNotFound error (after the others are printed), exit 1 as before.
Result<int> inspect_images(const Context& ctx, const std::vector<std::string>& names,
                           const std::string& format);

// `strata inspect` (containers first, then images, as Docker looks) and `strata
// container inspect`; `group` is `strata container`.
void register_inspect_commands(CLI::App& app, CLI::App& group, Context& ctx);

}  // namespace strata::cli
