// SPDX-License-Identifier: Apache-2.0
// How oci/runtime_spec*.cc read config.json: a checked view of one JSON object and the
// field path it sits at ("process.user"). Every accessor checks the member's type and,
// for integers, its range (json.h int_in_range); absent and null members read as unset.
// Errors are kInvalidArgument, name the field, and pass names through printable().
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "oci/json.h"
#include "util/result.h"

namespace strata::oci::spec_reader {

// "field: why", with control bytes from hostile keys escaped.
Error bad(std::string_view field, std::string_view why);

class Fields {
 public:
  // A null or absent `j` reads as an empty object; anything else but an object is an
  // error naming `at`.
  static Result<Fields> of(const Json& j, std::string at);

  const std::string& at() const { return at_; }
  std::string at(std::string_view key) const;
  // The member, or nullptr when it is absent or null.
  const Json* get(const char* key) const;
  bool has(const char* key) const { return get(key) != nullptr; }

  Result<std::optional<std::string>> opt_string(const char* key) const;
  Result<std::string> string_or(const char* key, std::string dflt = "") const;
  Result<bool> bool_or(const char* key, bool dflt = false) const;
  Result<std::optional<bool>> opt_bool(const char* key) const;
  Result<std::optional<int64_t>> opt_int(const char* key, int64_t min, int64_t max) const;
  Result<std::optional<uint64_t>> opt_uint(const char* key, uint64_t max) const;
  // The whole range of T.
  template <typename T>
  Result<std::optional<T>> opt(const char* key) const {
    const Json* v = get(key);
    if (v == nullptr) return std::optional<T>();
    return std::optional<T>(TRY(int_of_type<T>(*v, at(key))));
  }
  Result<std::vector<std::string>> strings(const char* key) const;
  // A member object (empty when absent).
  Result<Fields> object(const char* key) const;
  // The elements of a member array (none when absent), each with its path "key[i]".
  Result<std::vector<std::pair<const Json*, std::string>>> array(const char* key) const;
  // The elements of a member array of objects, each at "key[i]" (an element that is
  // not an object is an error naming it).
  Result<std::vector<Fields>> objects(const char* key) const;
  // A member object of string values (an empty map when absent).
  Result<std::map<std::string, std::string>> string_map(const char* key) const;
  // The member's keys and values, for objects keyed by name.
  std::vector<std::pair<std::string, const Json*>> members() const;

 private:
  Fields(const Json* j, std::string at) : j_(j), at_(std::move(at)) {}
  const Json* j_;  // an object, or nullptr for an absent one
  std::string at_;
};

}  // namespace strata::oci::spec_reader
