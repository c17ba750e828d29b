// SPDX-License-Identifier: Apache-2.0
// Signal names as runc and Docker take them.
#pragma once

#include <string_view>

namespace strata::sys {

// "SIGTERM", "TERM" or "15" (1 to 64); -1 for anything else. Names are case-sensitive.
int signal_number(std::string_view s);

}  // namespace strata::sys
