// SPDX-License-Identifier: Apache-2.0
// ps --filter: parsing and matching (filter.h).
#include "container/filter.h"

#include <regex.h>

#include <algorithm>
#include <charconv>

#include "util/strings.h"

namespace strata::container {

namespace {

constexpr const char* kKeys[] = {"status", "name",   "id",    "label", "ancestor",
                                 "exited", "before", "since", "health"};
constexpr const char* kHealth[] = {"starting", "healthy", "unhealthy", "none"};
constexpr const char* kStates[] = {"created",  "running", "paused", "restarting",
                                   "removing", "exited",  "dead"};

Error invalid(const std::string& msg) { return Error::make(Errc::kInvalidArgument, msg); }

// A compiled POSIX extended regular expression, freed on scope exit.
class Regex {
 public:
  Regex() = default;
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;
  ~Regex() {
    if (ok_) ::regfree(&re_);
  }
  // An error text for an invalid pattern, else "".
  std::string compile(const std::string& pattern) {
    int rc = ::regcomp(&re_, pattern.c_str(), REG_EXTENDED | REG_NOSUB);
    if (rc == 0) {
      ok_ = true;
      return "";
    }
    char buf[256];
    ::regerror(rc, &re_, buf, sizeof buf);
    return buf;
  }
  bool search(const std::string& s) const {
    return ok_ && ::regexec(&re_, s.c_str(), 0, nullptr, 0) == 0;
  }

 private:
  regex_t re_{};
  bool ok_ = false;
};

bool regex_match_any(const std::vector<std::string>& patterns,
                     const std::vector<std::string>& subjects) {
  for (const auto& p : patterns) {
    Regex re;
    if (!re.compile(p).empty()) continue;  // checked by parse_filters
    for (const auto& s : subjects)
      if (re.search(s)) return true;
  }
  return false;
}

Result<void> check_value(const std::string& key, const std::string& value, Filters& f) {
  std::string what = fmt::format("invalid filter '{}={}'", printable(key), printable(value));
  if (key == "status") {
    if (std::find_if(std::begin(kStates), std::end(kStates),
                     [&](const char* s) { return value == s; }) == std::end(kStates))
      return invalid(
          fmt::format("{}: invalid value for state ({}): must be one of created, running, paused, "
                      "restarting, removing, exited, dead",
                      what, printable(value)));
  } else if (key == "exited") {
    int code = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), code);
    if (ec != std::errc() || end != value.data() + value.size() || value.empty())
      return invalid(fmt::format(
          "{}: strconv.Atoi: parsing \"{}\": {}", what, printable(value),
          ec == std::errc::result_out_of_range ? "value out of range" : "invalid syntax"));
    f.exited.push_back(code);
  } else if (key == "health") {
    if (std::find_if(std::begin(kHealth), std::end(kHealth),
                     [&](const char* s) { return value == s; }) == std::end(kHealth))
      return invalid(fmt::format("Unrecognised filter value for health: {}", printable(value)));
  } else if (key == "name" || key == "id") {
    Regex re;
    std::string err = re.compile(value);
    if (!err.empty()) return invalid(fmt::format("{}: {}", what, err));
  }
  return {};
}

bool label_matches(const oci::Json& labels, const std::string& want) {
  size_t eq = want.find('=');
  std::string k = want.substr(0, eq);
  if (!labels.is_object() || !labels.contains(k)) return false;
  if (eq == std::string::npos) return true;
  const oci::Json& v = labels[k];
  return v.is_string() && v.get<std::string>() == want.substr(eq + 1);
}

// Created strictly before `other` in the order ps lists (newest first).
bool created_before(const Container& a, const Container& other) {
  if (a.created_ns != other.created_ns) return a.created_ns < other.created_ns;
  return a.id < other.id;
}

}  // namespace

Result<Filters> parse_filters(const std::vector<std::string>& args) {
  Filters f;
  for (const auto& a : args) {
    size_t eq = a.find('=');
    if (eq == std::string::npos) return invalid("bad format of filter (expected name=value)");
    std::string key = a.substr(0, eq), value = a.substr(eq + 1);
    if (std::find_if(std::begin(kKeys), std::end(kKeys), [&](const char* k) { return key == k; }) ==
        std::end(kKeys))
      return invalid(fmt::format("invalid filter '{}'", printable(key)));
    TRY(check_value(key, value, f));
    f.values[key].push_back(value);
  }
  return f;
}

bool matches(const Filters& f, const ResolvedFilters& r, const Container& c) {
  auto values = [&](const char* k) -> const std::vector<std::string>& { return f.values.at(k); };
  if (f.has("status")) {
    const auto& v = values("status");
    if (std::find(v.begin(), v.end(), c.state.status) == v.end()) return false;
  }
  if (f.has("name") && !regex_match_any(values("name"), {"/" + c.name, c.name})) return false;
  if (f.has("id") && !regex_match_any(values("id"), {c.id})) return false;
  if (f.has("label")) {
    const oci::Json& labels = c.config.contains("Labels") ? c.config["Labels"] : oci::Json();
    for (const auto& l : values("label"))
      if (!label_matches(labels, l)) return false;
  }
  if (f.has("ancestor") && std::find(r.ancestor_ids.begin(), r.ancestor_ids.end(),
                                     c.image_id.str()) == r.ancestor_ids.end())
    return false;
  if (!f.exited.empty()) {
    // Only containers that ran and stopped have an exit code to match.
    if (c.state.status != "exited" || c.state.started_ns == 0) return false;
    if (std::find(f.exited.begin(), f.exited.end(), c.state.exit_code) == f.exited.end())
      return false;
  }
  if (f.has("health")) {
    const auto& v = values("health");
    if (!r.health || std::find(v.begin(), v.end(), r.health(c)) == v.end()) return false;
  }
  if (r.before && !created_before(c, *r.before)) return false;
  if (r.since && !created_before(*r.since, c)) return false;
  return true;
}

}  // namespace strata::container
