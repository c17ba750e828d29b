// SPDX-License-Identifier: Apache-2.0
// The one adapter around nlohmann::json: it throws, we return Result. Strict field
// accessors name the field that is missing or has the wrong type.
#pragma once

#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <type_traits>

#include "util/result.h"

namespace strata::oci {

using Json = nlohmann::ordered_json;

// Deeper nesting is refused before parsing: nlohmann copies, compares and dumps values
// recursively, so hostile input (60k nested arrays) would overflow the stack.
inline constexpr int kMaxJsonDepth = 256;
// Json keeps members in insertion order and finds one by a linear search, so a member
// costs as much as the members before it in its object: a 16 MiB config of one object
// with a million members would take hours. parse_json refuses text whose objects cost
// more than one object of kMaxJsonMembers would (the sum over all objects of n^2 / 2).
inline constexpr size_t kMaxJsonMembers = 10000;

// Parses text as one JSON value; `what` names the document in errors.
Result<Json> parse_json(std::string_view text, std::string_view what);
// Compact, key order as inserted: what we write is what we hash.
std::string dump_json(const Json& j);
std::string dump_json_pretty(const Json& j);

// The one checked integer reader for numbers from outside: `v` must be a JSON integer
// within [min, max]. Floats (1.5, 1e3, and integers beyond 64 bits, which the parser
// keeps as floats), negatives where unsigned is wanted and anything out of range are
// kInvalidArgument errors naming the field and the value:
//   "process.user.uid: 4294967296 is out of range (0 to 4294967295)"
//   "process.rlimits[0].soft: 1.8446744073709552e+19 is not an integer"
//   "process.user.gid: want an integer, got a string"
Result<int64_t> int_in_range(const Json& v, std::string_view field, int64_t min, int64_t max);
Result<uint64_t> uint_in_range(const Json& v, std::string_view field, uint64_t max);
// The whole range of an integer type T (uint32_t, int64_t, uint16_t, ...).
template <typename T>
Result<T> int_of_type(const Json& v, std::string_view field) {
  if constexpr (std::is_signed_v<T>) {
    auto r = int_in_range(v, field, std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
    if (!r.ok()) return std::move(r).error();
    return static_cast<T>(*r);
  } else {
    auto r = uint_in_range(v, field, std::numeric_limits<T>::max());
    if (!r.ok()) return std::move(r).error();
    return static_cast<T>(*r);
  }
}

// Field accessors: kCorrupt "<field>: missing" / "<field>: want a string".
Result<std::string> get_string(const Json& obj, std::string_view field);
// Any int64 (a larger unsigned value is an error, not a wrap-around).
Result<int64_t> get_int(const Json& obj, std::string_view field);
Result<const Json*> get_object(const Json& obj, std::string_view field);
Result<const Json*> get_array(const Json& obj, std::string_view field);
// Optional variants: absent gives the default; present with the wrong type is an error.
Result<std::string> get_string_or(const Json& obj, std::string_view field, std::string dflt);
Result<bool> get_bool_or(const Json& obj, std::string_view field, bool dflt);

}  // namespace strata::oci
