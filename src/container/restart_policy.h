// SPDX-License-Identifier: Apache-2.0
// Restart policies (`--restart no|on-failure[:N]|always|unless-stopped`), as Docker parses,
// validates and applies them: whether a container that ended is started again, after
// what delay (moby's restartmanager back-off), and which containers come back at boot
// (`strata start --all`). Pure logic: the monitor applies it, the engine records it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"

namespace strata::container {

enum class RestartMode { kNo, kOnFailure, kAlways, kUnlessStopped };

struct RestartPolicy {
  RestartMode mode = RestartMode::kNo;
  int max_retries = 0;  // on-failure only; 0: no limit (Docker's MaximumRetryCount)
  bool none() const { return mode == RestartMode::kNo; }
  bool operator==(const RestartPolicy&) const = default;
};

// --restart as Docker takes it: the CLI's format errors first ("invalid restart policy
// format: ..."), then the daemon's checks ("invalid restart policy: unknown policy 'x';
// use one of ...", "... maximum retry count can only be used with 'on-failure'", "...
// cannot be negative"). Empty is "no". kInvalidArgument with Docker's words.
Result<RestartPolicy> parse_restart_policy(std::string_view text);
// Docker's HostConfig.RestartPolicy.Name: "no", "on-failure", "always", "unless-stopped".
std::string_view restart_mode_name(RestartMode mode);
// A policy from its recorded Name and MaximumRetryCount ("" is "no", as Docker reads
// containers created before v25); kCorrupt for a name Docker would not have written.
Result<RestartPolicy> restart_policy_of(std::string_view name, int64_t max_retries);
// The text parse_restart_policy reads back: "on-failure:3", "always", ...
std::string format_restart_policy(const RestartPolicy& p);

// How a run of the container ended, as far as the policy cares.
struct RunEnd {
  int exit_code = 0;
  int restart_count = 0;  // restarts since the user last started it
  // stop, kill with SIGKILL or the stop signal, rm -f, or the monitor told to end: Docker
  // cancels its restart manager (ExitOnNext), whatever the policy.
  bool cancelled = false;
  // Any user stop or kill, persisted (Docker's HasBeenManuallyStopped): unless-stopped
  // does not restart after it, always does (unless cancelled).
  bool manually_stopped = false;
};

// Docker's ShouldRestart: always restarts; unless-stopped unless manually stopped;
// on-failure on a non-zero exit while fewer than max_retries restarts were made.
bool should_restart(const RestartPolicy& p, const RunEnd& e);

// What comes back at boot (`start --all`, Docker's daemon start): always, even after a
// user stop (Docker's documented rule); unless-stopped when not stopped by the user;
// on-failure when it did not end cleanly, has retries left and was not stopped by the
// user (Docker would restart a stopped one too: we do not bring back what a user stopped).
bool starts_at_boot(const RestartPolicy& p, const RunEnd& last);

// moby restartmanager's delay before each restart: 100 ms first, doubled each time, at
// most 1 minute; a run that lasted 10 s or more starts the series again at 100 ms.
class RestartBackoff {
 public:
  static constexpr int64_t kFirstMs = 100, kMaxMs = 60'000, kResetAfterMs = 10'000;
  // The delay before the next start, given how long the run that just ended lasted.
  int64_t next_delay_ms(int64_t ran_ms);

 private:
  int64_t delay_ms_ = 0;
};

}  // namespace strata::container
