// SPDX-License-Identifier: Apache-2.0
// `--change` instructions for `strata import`, as `docker import --change` takes them:
// CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, USER, VOLUME, WORKDIR,
// STOPSIGNAL.
#pragma once

#include <string_view>

#include "oci/json.h"
#include "util/result.h"

namespace strata::oci {

// Applies one instruction to the "config" object of an image configuration.
// kInvalidArgument names the instruction and what is wrong with it.
Result<void> apply_change(Json& container_config, std::string_view instruction);

}  // namespace strata::oci
