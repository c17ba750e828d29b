// SPDX-License-Identifier: Apache-2.0
// Restart policies: parsing with Docker's errors, the restart decision and the back-off
// (restart_policy.h).
#include "container/restart_policy.h"

#include <charconv>

#include "util/strings.h"

namespace strata::container {

namespace {

Error invalid(std::string msg) { return Error::make(Errc::kInvalidArgument, std::move(msg)); }

// Go's strconv.Atoi: an optional sign, then decimal digits, within int.
bool parse_count(std::string_view s, int* out) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty() || s[0] == '+') return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

Result<RestartMode> mode_of(std::string_view name) {
  if (name == "no" || name.empty()) return RestartMode::kNo;
  if (name == "on-failure") return RestartMode::kOnFailure;
  if (name == "always") return RestartMode::kAlways;
  if (name == "unless-stopped") return RestartMode::kUnlessStopped;
  return invalid(
      fmt::format("invalid restart policy: unknown policy '{}'; use one of 'no', 'always', "
                  "'on-failure', or 'unless-stopped'",
                  printable(name)));
}

// The daemon's ValidateRestartPolicy.
Result<void> validate(RestartMode mode, int max_retries) {
  if (mode == RestartMode::kOnFailure) {
    if (max_retries < 0)
      return invalid("invalid restart policy: maximum retry count cannot be negative");
    return {};
  }
  if (max_retries != 0)
    return invalid(fmt::format(
        "invalid restart policy: maximum retry count can only be used with 'on-failure'{}",
        max_retries < 0 ? " and cannot be negative" : ""));
  return {};
}

}  // namespace

Result<RestartPolicy> parse_restart_policy(std::string_view text) {
  size_t colon = text.find(':');
  std::string_view name = text.substr(0, colon);
  std::string_view count = colon == std::string_view::npos ? "" : text.substr(colon + 1);
  if (colon != std::string_view::npos && name.empty())
    return invalid("invalid restart policy format: no policy provided before colon");
  RestartPolicy p;
  if (!count.empty() && !parse_count(count, &p.max_retries))
    return invalid("invalid restart policy format: maximum retry count must be an integer");
  p.mode = TRY(mode_of(name));
  TRY(validate(p.mode, p.max_retries));
  return p;
}

std::string_view restart_mode_name(RestartMode mode) {
  switch (mode) {
    case RestartMode::kOnFailure:
      return "on-failure";
    case RestartMode::kAlways:
      return "always";
    case RestartMode::kUnlessStopped:
      return "unless-stopped";
    case RestartMode::kNo:
      break;
  }
  return "no";
}

Result<RestartPolicy> restart_policy_of(std::string_view name, int64_t max_retries) {
  auto mode = mode_of(name);
  if (!mode.ok() || max_retries < 0 || max_retries > INT32_MAX)
    return Error::make(Errc::kCorrupt, fmt::format("recorded restart policy {}:{} is not valid",
                                                   printable(name), max_retries));
  RestartPolicy p{*mode, *mode == RestartMode::kOnFailure ? static_cast<int>(max_retries) : 0};
  return p;
}

std::string format_restart_policy(const RestartPolicy& p) {
  std::string out(restart_mode_name(p.mode));
  if (p.mode == RestartMode::kOnFailure && p.max_retries > 0)
    out += ":" + std::to_string(p.max_retries);
  return out;
}

bool should_restart(const RestartPolicy& p, const RunEnd& e) {
  if (e.cancelled) return false;
  switch (p.mode) {
    case RestartMode::kAlways:
      return true;
    case RestartMode::kUnlessStopped:
      return !e.manually_stopped;
    case RestartMode::kOnFailure:
      return e.exit_code != 0 && (p.max_retries == 0 || e.restart_count < p.max_retries);
    case RestartMode::kNo:
      break;
  }
  return false;
}

bool starts_at_boot(const RestartPolicy& p, const RunEnd& last) {
  // Docker's rule at daemon start, but an on-failure container the user stopped stays.
  if (p.mode == RestartMode::kOnFailure && last.manually_stopped) return false;
  RunEnd e = last;
  e.cancelled = false;  // a stop before the reboot cancelled that run's policy only
  return should_restart(p, e);
}

int64_t RestartBackoff::next_delay_ms(int64_t ran_ms) {
  if (ran_ms >= kResetAfterMs) delay_ms_ = 0;
  delay_ms_ = delay_ms_ == 0 ? kFirstMs : std::min(delay_ms_ * 2, kMaxMs);
  return delay_ms_;
}

}  // namespace strata::container
