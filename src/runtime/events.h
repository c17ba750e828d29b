// SPDX-License-Identifier: Apache-2.0
// `events`: a container's cgroup stats as runc prints them, once (--stats) or every
// interval, with an "oom" event whenever the OOM killer acted in the container.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include "util/result.h"

namespace strata::runtime {

struct EventsOptions {
  std::string id;
  bool stats_once = false;
  std::chrono::milliseconds interval{5000};
};

// One JSON object per line on `out`. The stream ends when the container stops.
Result<void> container_events(const std::string& root, const EventsOptions& o, std::FILE* out);

// A Go-style duration as runc's --interval takes it: "5s", "250ms", "1m", "1.5s".
Result<std::chrono::milliseconds> parse_interval(const std::string& text);

}  // namespace strata::runtime
