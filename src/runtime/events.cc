// SPDX-License-Identifier: Apache-2.0
#include "runtime/events.h"

#include <unistd.h>

#include <cstdlib>

#include "oci/json.h"
#include "runtime/cgroup/stats.h"
#include "runtime/container.h"

namespace strata::runtime {

namespace {

void emit(std::FILE* out, const char* type, const std::string& id, const oci::Json& data) {
  oci::Json e = {{"type", type}, {"id", id}};
  if (!data.is_null()) e["data"] = data;
  std::fprintf(out, "%s\n", oci::dump_json(e).c_str());
  std::fflush(out);
}

}  // namespace

Result<std::chrono::milliseconds> parse_interval(const std::string& text) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  std::string unit = end != nullptr ? end : "";
  double ms = unit == "ms"  ? v
              : unit == "s" ? v * 1e3
              : unit == "m" ? v * 6e4
              : unit == "h" ? v * 3.6e6
                            : -1;
  if (end == text.c_str() || ms < 1 || ms > 8.64e7)
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("--interval \"{}\": want a duration from 1ms to 24h (\"5s\", "
                                   "\"250ms\")",
                                   text));
  return std::chrono::milliseconds(static_cast<int64_t>(ms));
}

Result<void> container_events(const std::string& root, const EventsOptions& o, std::FILE* out) {
  ContainerState s = TRY(load_state(root, o.id));
  if (s.status == "stopped")
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("container \"{}\" is not running", o.id));
  auto cg = TRY(cgroup::open_recorded(s.cgroup));
  if (o.stats_once) {
    emit(out, "stats", o.id, cgroup::collect_stats(*cg));
    return {};
  }
  // OOM kills are polled every 100 ms; stats go out every interval.
  constexpr auto kTick = std::chrono::milliseconds(100);
  uint64_t ooms = cgroup::oom_kills(*cg);
  auto next_stats = std::chrono::steady_clock::now();
  while (true) {
    uint64_t now_ooms = cgroup::oom_kills(*cg);
    if (now_ooms > ooms) emit(out, "oom", o.id, nullptr);
    ooms = now_ooms;
    if (std::chrono::steady_clock::now() >= next_stats) {
      emit(out, "stats", o.id, cgroup::collect_stats(*cg));
      next_stats += o.interval;
    }
    s = TRY(load_state(root, o.id));
    if (s.status == "stopped") return {};
    ::usleep(static_cast<useconds_t>(std::chrono::microseconds(kTick).count()));
  }
}

}  // namespace strata::runtime
