// SPDX-License-Identifier: Apache-2.0
// The one adapter around nlohmann::json: it throws, we return Result. Strict field
// accessors name the field that is missing or has the wrong type.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "util/result.h"

namespace strata::oci {

using Json = nlohmann::ordered_json;

// Deeper nesting is refused before parsing: nlohmann copies, compares and dumps values
// recursively, so hostile input (60k nested arrays) would overflow the stack.
inline constexpr int kMaxJsonDepth = 256;

// Parses text as one JSON value; `what` names the document in errors.
Result<Json> parse_json(std::string_view text, std::string_view what);
// Compact, key order as inserted: what we write is what we hash.
std::string dump_json(const Json& j);
std::string dump_json_pretty(const Json& j);

// Field accessors: kCorrupt "<field>: missing" / "<field>: want a string".
Result<std::string> get_string(const Json& obj, std::string_view field);
Result<int64_t> get_int(const Json& obj, std::string_view field);
Result<const Json*> get_object(const Json& obj, std::string_view field);
Result<const Json*> get_array(const Json& obj, std::string_view field);
// Optional variants: absent gives the default; present with the wrong type is an error.
Result<std::string> get_string_or(const Json& obj, std::string_view field, std::string dflt);

}  // namespace strata::oci
