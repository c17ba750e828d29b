// SPDX-License-Identifier: Apache-2.0
// Health checks, engine side (healthcheck.h): Docker's CLI flags, dockerd's checks and
// merge, the monitor's files, and the state it leaves.
#include "container/healthcheck.h"

#include <charconv>
#include <climits>

#include "container/container.h"
#include "container/monitor/health.h"
#include "sys/fs.h"
#include "util/duration.h"
#include "util/strings.h"

namespace strata::container {

namespace {

namespace mon = monitor;

constexpr int64_t kMinimumDuration = 1'000'000;  // dockerd's MinimumDuration, 1ms

struct Duration {
  const char* key;  // Docker's JSON name
  int64_t HealthConfig::*field;
};
constexpr Duration kDurations[] = {{"Interval", &HealthConfig::interval},
                                   {"Timeout", &HealthConfig::timeout},
                                   {"StartPeriod", &HealthConfig::start_period},
                                   {"StartInterval", &HealthConfig::start_interval}};

Error invalid(std::string msg) { return Error::make(Errc::kInvalidArgument, std::move(msg)); }

Result<int64_t> duration_flag(const std::string& value, const char* flag) {
  if (value.empty()) return int64_t{0};
  auto d = parse_go_duration(value);
  if (!d.ok())
    return invalid(fmt::format("invalid argument \"{}\" for \"{}\" flag: {}", printable(value),
                               flag, d.error().message()));
  return *d;
}

// pflag's int: strconv.ParseInt's errors.
Result<int64_t> retries_flag(const std::string& value) {
  if (value.empty()) return int64_t{0};
  int64_t v = 0;
  const char* begin = value.data() + (value[0] == '+' ? 1 : 0);
  auto [end, ec] = std::from_chars(begin, value.data() + value.size(), v);
  if (ec == std::errc() && end == value.data() + value.size() && v >= INT_MIN && v <= INT_MAX)
    return v;
  bool range = ec == std::errc::result_out_of_range ||
               (ec == std::errc() && end == value.data() + value.size());
  return invalid(fmt::format(
      "invalid argument \"{}\" for \"--health-retries\" flag: strconv.ParseInt: parsing \"{}\": {}",
      printable(value), printable(value), range ? "value out of range" : "invalid syntax"));
}

// dockerd's validateHealthCheck, on what the caller set.
Result<void> check_health_config(const HealthConfig& h) {
  for (const auto& d : kDurations)
    if (h.*d.field != 0 && h.*d.field < kMinimumDuration)
      return invalid(fmt::format("{} in Healthcheck cannot be less than 1ms", d.key));
  if (h.retries < 0) return invalid("Retries in Healthcheck cannot be negative");
  return {};
}

Result<std::vector<std::string>> strings_of(const oci::Json& v, std::string_view field) {
  std::vector<std::string> out;
  if (v.is_null()) return out;
  if (!v.is_array())
    return Error::make(Errc::kCorrupt, fmt::format("{}: want an array of strings", field));
  for (const auto& s : v) {
    if (!s.is_string())
      return Error::make(Errc::kCorrupt, fmt::format("{}: want an array of strings", field));
    out.push_back(s.get<std::string>());
  }
  return out;
}

// The health state the monitor left at `path`: null if there is none (or not JSON).
oci::Json read_state(const std::string& path) {
  auto text = sys::read_file(path, 1 << 20);
  if (!text.ok()) return nullptr;
  auto j = oci::parse_json(*text, path);
  if (!j.ok() || !j->is_object() || !oci::get_string(*j, "Status").ok()) return nullptr;
  return std::move(*j);
}

}  // namespace

oci::Json health_config_json(const HealthConfig& h) {
  oci::Json j = oci::Json::object();
  if (!h.test.empty()) j["Test"] = h.test;
  for (const auto& d : kDurations)
    if (h.*d.field != 0) j[d.key] = h.*d.field;
  if (h.retries != 0) j["Retries"] = h.retries;
  return j;
}

Result<HealthConfig> parse_health_config(const oci::Json& j, std::string_view field) {
  HealthConfig h;
  if (!j.is_object()) return Error::make(Errc::kCorrupt, fmt::format("{}: want an object", field));
  if (auto it = j.find("Test"); it != j.end())
    h.test = TRY(strings_of(*it, fmt::format("{}.Test", field)));
  for (const auto& d : kDurations)
    if (auto it = j.find(d.key); it != j.end() && !it->is_null())
      h.*d.field = TRY(oci::int_in_range(*it, fmt::format("{}.{}", field, d.key), 0, INT64_MAX));
  if (auto it = j.find("Retries"); it != j.end() && !it->is_null())
    h.retries = TRY(oci::int_in_range(*it, fmt::format("{}.Retries", field), 0, INT_MAX));
  return h;
}

Result<std::optional<HealthConfig>> parse_health_flags(const HealthFlags& f) {
  HealthConfig h;
  h.interval = TRY(duration_flag(f.interval, "--health-interval"));
  h.timeout = TRY(duration_flag(f.timeout, "--health-timeout"));
  h.start_period = TRY(duration_flag(f.start_period, "--health-start-period"));
  h.start_interval = TRY(duration_flag(f.start_interval, "--health-start-interval"));
  h.retries = TRY(retries_flag(f.retries));
  bool any = !f.cmd.empty() || h.interval != 0 || h.timeout != 0 || h.start_period != 0 ||
             h.start_interval != 0 || h.retries != 0;
  if (f.none) {
    if (any) return invalid("--no-healthcheck conflicts with --health-* options");
    return std::optional<HealthConfig>(HealthConfig{{"NONE"}});
  }
  if (!any) return std::optional<HealthConfig>();
  if (h.interval < 0) return invalid("--health-interval cannot be negative");
  if (h.timeout < 0) return invalid("--health-timeout cannot be negative");
  if (h.retries < 0) return invalid("--health-retries cannot be negative");
  if (h.start_period < 0) return invalid("--health-start-period cannot be negative");
  if (h.start_interval < 0) return invalid("--health-start-interval cannot be negative");
  if (!f.cmd.empty()) h.test = {"CMD-SHELL", f.cmd};
  return std::optional<HealthConfig>(std::move(h));
}

Result<void> record_healthcheck(const std::optional<HealthConfig>& flags,
                                const oci::Json& image_config, oci::Json& config) {
  if (flags) TRY(check_health_config(*flags));
  const oci::Json* img = nullptr;
  if (auto c = image_config.find("config"); c != image_config.end() && c->is_object()) {
    if (auto s = c->find("Shell"); s != c->end() && !s->is_null()) {
      auto shell = TRY(strings_of(*s, "image config: config.Shell"));
      if (!shell.empty()) config["Shell"] = shell;
    }
    if (auto h = c->find("Healthcheck"); h != c->end() && !h->is_null()) img = &*h;
  }
  std::optional<HealthConfig> image;
  if (img) image = TRY(parse_health_config(*img, "image config: config.Healthcheck"));
  // dockerd's merge: the image's check unless one was given; what a given one leaves
  // unset (an empty test, zero durations and retries) comes from the image's.
  std::optional<HealthConfig> h = flags ? flags : image;
  if (flags && image) {
    if (h->test.empty()) h->test = image->test;
    for (const auto& d : kDurations)
      if ((*h).*d.field == 0) (*h).*d.field = (*image).*d.field;
    if (h->retries == 0) h->retries = image->retries;
  }
  if (h) config["Healthcheck"] = health_config_json(*h);
  return {};
}

Result<std::vector<std::string>> probe_argv(const oci::Json& config) {
  auto it = config.find("Healthcheck");
  if (it == config.end() || it->is_null()) return std::vector<std::string>{};
  HealthConfig h = TRY(parse_health_config(*it, "Config.Healthcheck"));
  if (h.test.empty() || (h.test[0] != "CMD" && h.test[0] != "CMD-SHELL"))
    return std::vector<std::string>{};
  std::vector<std::string> argv;
  if (h.test[0] == "CMD-SHELL") {
    argv = {"/bin/sh", "-c"};
    if (auto s = config.find("Shell"); s != config.end() && !s->is_null()) {
      auto shell = TRY(strings_of(*s, "Config.Shell"));
      if (!shell.empty()) argv = shell;
    }
  }
  argv.insert(argv.end(), h.test.begin() + 1, h.test.end());
  if (argv.empty() || argv[0].empty())
    return Error::make(Errc::kInvalidArgument,
                       "Config.Healthcheck.Test: CMD needs a command to run");
  return argv;
}

Result<void> write_health_files(const oci::Json& config, const oci::Json& spec,
                                const std::string& dir) {
  std::vector<std::string> argv = TRY(probe_argv(config));
  if (argv.empty()) return {};
  HealthConfig h = TRY(parse_health_config(*config.find("Healthcheck"), "Config.Healthcheck"));
  oci::Json proc = *TRY(oci::get_object(spec, "process"));
  proc["args"] = argv;
  proc["terminal"] = false;
  proc.erase("consoleSize");
  TRY(sys::write_file_atomic(dir + "/" + mon::kHealthProcessFile, oci::dump_json(proc), 0600));
  mon::HealthTiming t{h.interval, h.timeout, h.start_period, h.start_interval, h.retries};
  return sys::write_file_atomic(dir + "/" + mon::kHealthTimingFile, mon::format_health_timing(t),
                                0600);
}

oci::Json health_state(const Engine& engine, const Container& c) {
  std::string dir = engine.dir(c);
  if (!sys::exists(dir + "/" + mon::kHealthTimingFile)) return nullptr;
  if (!c.state.running()) return read_state(dir + "/" + mon::kHealthFile);
  oci::Json state = read_state(engine.run_dir(c) + "/" + mon::kHealthFile);
  if (state.is_null())  // started a moment ago: the monitor has not written it yet
    state = {{"Status", "starting"}, {"FailingStreak", 0}, {"Log", oci::Json::array()}};
  return state;
}

std::string health_status(const Engine& engine, const Container& c) {
  oci::Json state = health_state(engine, c);
  if (state.is_null()) return "none";
  auto status = oci::get_string(state, "Status");
  return status.ok() ? *status : "none";
}

}  // namespace strata::container
