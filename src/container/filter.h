// SPDX-License-Identifier: Apache-2.0
// `ps --filter` as dockerd applies it: parse_filters checks keys and values (errors in
// dockerd's words), the caller resolves what needs the store (ancestor images, before/
// since containers), and matches() is a pure test of one container. Values of one key
// are alternatives (any may match), keys all must match; label values all must match.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "container/container.h"
#include "util/result.h"

namespace strata::container {

struct Filters {
  std::map<std::string, std::vector<std::string>> values;  // key -> values, as given
  std::vector<int> exited;                                 // exited=N, parsed
  bool has(const std::string& key) const { return values.count(key) != 0; }
  // A status filter lists stopped containers without -a, as in Docker.
  bool implies_all() const { return has("status"); }
};

// What the caller looked up for the filters that name images or containers.
struct ResolvedFilters {
  std::vector<std::string> ancestor_ids;  // image IDs of the ancestor= values that exist
  std::optional<Container> before, since;
  // A container's health (starting, healthy, unhealthy, none), for health=.
  std::function<std::string(const Container&)> health;
};

// Parses "key=value" arguments. kInvalidArgument: "bad format of filter (expected
// name=value)", "invalid filter 'bogus'", "invalid filter 'status=gone': invalid value
// for state (gone): must be one of ...", "invalid filter 'exited=x': ...",
// "Unrecognised filter value for health: x", and an
// invalid name= or id= regular expression.
Result<Filters> parse_filters(const std::vector<std::string>& args);

// True if `c` passes every filter. name= and id= are unanchored extended regular
// expressions (a substring matches; "^web$" anchors), as dockerd's filters.Match.
bool matches(const Filters& f, const ResolvedFilters& r, const Container& c);

}  // namespace strata::container
