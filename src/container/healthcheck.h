// SPDX-License-Identifier: Apache-2.0
// A container's health check (docs/CONTAINERS.md "Health checks"), engine side: the
// --health-* flags as Docker's CLI parses them, merged with the image's HEALTHCHECK as
// dockerd merges them into Config.Healthcheck, the files the monitor runs the probes from
// (monitor/health.h runs them), and the state it leaves, as inspect's State.Health and
// ps's health status.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/json.h"
#include "util/result.h"

namespace strata::container {

class Engine;
struct Container;

// What the flags give, as typed ("" unset). Every member has an initializer, so that a
// designated initializer may leave any out.
struct HealthFlags {
  std::string cmd{}, interval{}, timeout{}, start_period{}, start_interval{}, retries{};
  bool none = false;  // --no-healthcheck
};

// Docker's HealthConfig; durations in nanoseconds, 0 (and retries 0) meaning the default.
struct HealthConfig {
  std::vector<std::string> test;  // {"CMD", args...}, {"CMD-SHELL", cmd}, {"NONE"} or empty
  int64_t interval = 0, timeout = 0, start_period = 0, start_interval = 0;
  int64_t retries = 0;
};

// Docker's JSON (Config.Healthcheck): Test, Interval, Timeout, StartPeriod, StartInterval,
// Retries, each left out when empty or zero.
oci::Json health_config_json(const HealthConfig& h);
// The same read back; `field` names it in errors (kCorrupt: a member of the wrong type
// or a negative duration).
Result<HealthConfig> parse_health_config(const oci::Json& j, std::string_view field);

// Docker's CLI: nothing when no flag is set, {"NONE"} for --no-healthcheck, else what the
// flags set. kInvalidArgument in Docker's words: `invalid argument "x" for
// "--health-interval" flag: time: invalid duration "x"`, "--no-healthcheck conflicts with
// --health-* options", "--health-timeout cannot be negative".
Result<std::optional<HealthConfig>> parse_health_flags(const HealthFlags& f);

// dockerd's create: checks what the flags set ("Interval in Healthcheck cannot be less
// than 1ms", "Retries in Healthcheck cannot be negative"), then fills what they leave
// unset from the image's config.Healthcheck, and records the result in `config`
// (Healthcheck, and the image's Shell, which CMD-SHELL probes run with).
Result<void> record_healthcheck(const std::optional<HealthConfig>& flags,
                                const oci::Json& image_config, oci::Json& config);

// The probe's argv: CMD's arguments, or CMD-SHELL's command after the shell (Config.Shell
// or /bin/sh -c); empty when there is no probe (no health check, NONE, an unknown type,
// as dockerd ignores one).
Result<std::vector<std::string>> probe_argv(const oci::Json& config);

// When `config` has a probe, writes DIR/health-timing and DIR/health-process.json (the
// OCI process of `spec` with the probe as its args and no terminal) for the monitor.
Result<void> write_health_files(const oci::Json& config, const oci::Json& spec,
                                const std::string& dir);

// Docker's State.Health of `c` (Status, FailingStreak, Log), or null when it has no probe
// or has never run since it was created.
oci::Json health_state(const Engine& engine, const Container& c);
// Its health as ps filters it: starting, healthy, unhealthy, or none.
std::string health_status(const Engine& engine, const Container& c);

}  // namespace strata::container
