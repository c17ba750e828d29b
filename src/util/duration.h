// SPDX-License-Identifier: Apache-2.0
// Durations as Go writes and reads them (time.ParseDuration, Duration.String): Docker's
// duration flags (--health-interval, HEALTHCHECK --interval) take Go's syntax, and its
// messages print durations in Go's form ("1m30s", "200ms", "1.5s").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"

namespace strata {

// Go's time.ParseDuration: a sign, then numbers with units ("300ms", "-1.5h", "2h45m",
// "0"); units ns, us, µs, ms, s, m, h. kInvalidArgument with Go's text:
//   time: invalid duration "x"
//   time: missing unit in duration "1"
//   time: unknown unit "d" in duration "1d"
Result<int64_t> parse_go_duration(std::string_view text);

// Go's Duration.String(): "0s", "1.5µs", "200ms", "1s", "1m30s", "2h0m0s", "-1s".
std::string format_go_duration(int64_t ns);

}  // namespace strata
