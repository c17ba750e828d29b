// SPDX-License-Identifier: Apache-2.0
#include "oci/json.h"

#include <vector>

#include "util/strings.h"

namespace strata::oci {

namespace {

struct TooCostly {
  size_t at = std::string_view::npos;  // byte offset
  bool depth = false;                  // else: members
};

// Where `text` nests deeper than kMaxJsonDepth or its objects' members cost more than
// kMaxJsonMembers in one object would (json.h). Brackets and commas inside strings do
// not count; malformed text is left for the parser to report.
TooCostly too_costly(std::string_view text) {
  constexpr uint64_t kBudget = uint64_t{kMaxJsonMembers} * (kMaxJsonMembers - 1) / 2;
  struct Level {
    bool object;
    uint64_t members;
  };
  std::vector<Level> levels;
  uint64_t cost = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (levels.size() >= static_cast<size_t>(kMaxJsonDepth)) return {i, true};
      levels.push_back({c == '{', 0});
    } else if (c == ']' || c == '}') {
      if (!levels.empty()) levels.pop_back();
    } else if (c == ',' && !levels.empty() && levels.back().object) {
      cost += ++levels.back().members;  // the next member is compared with those before
      if (cost > kBudget) return {i, false};
    }
  }
  return {};
}

Error out_of_range(std::string_view field, const std::string& value, const std::string& min,
                   const std::string& max) {
  return Error::make(Errc::kInvalidArgument, fmt::format("{}: {} is out of range ({} to {})",
                                                         printable(field), value, min, max));
}

// Why `v` is not an integer at all, if it is not one.
std::optional<Error> not_an_integer(const Json& v, std::string_view field) {
  if (v.is_number_integer()) return std::nullopt;
  if (v.is_number_float())
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("{}: {} is not an integer", printable(field), v.dump()));
  return Error::make(Errc::kInvalidArgument,
                     fmt::format("{}: want an integer, got {} {}", printable(field),
                                 v.is_array() || v.is_object() ? "an" : "a", v.type_name()));
}

}  // namespace

Result<int64_t> int_in_range(const Json& v, std::string_view field, int64_t min, int64_t max) {
  if (auto e = not_an_integer(v, field)) return std::move(*e);
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (max < 0 || u > static_cast<uint64_t>(max) || (min > 0 && u < static_cast<uint64_t>(min)))
      return out_of_range(field, std::to_string(u), std::to_string(min), std::to_string(max));
    return static_cast<int64_t>(u);
  }
  int64_t i = v.get<int64_t>();
  if (i < min || i > max)
    return out_of_range(field, std::to_string(i), std::to_string(min), std::to_string(max));
  return i;
}

Result<uint64_t> uint_in_range(const Json& v, std::string_view field, uint64_t max) {
  if (auto e = not_an_integer(v, field)) return std::move(*e);
  // Parsed text keeps non-negative integers unsigned; a value built in code may not.
  if (!v.is_number_unsigned() && v.get<int64_t>() < 0)
    return out_of_range(field, std::to_string(v.get<int64_t>()), "0", std::to_string(max));
  uint64_t u = v.is_number_unsigned() ? v.get<uint64_t>() : static_cast<uint64_t>(v.get<int64_t>());
  if (u > max) return out_of_range(field, std::to_string(u), "0", std::to_string(max));
  return u;
}

Result<Json> parse_json(std::string_view text, std::string_view what) {
  if (TooCostly t = too_costly(text); t.at != std::string_view::npos) {
    if (t.depth)
      return Error::make(Errc::kCorrupt,
                         fmt::format("{}: JSON nested deeper than {} levels (byte {})", what,
                                     kMaxJsonDepth, t.at));
    return Error::make(Errc::kCorrupt,
                       fmt::format("{}: JSON objects with too many members (byte {}; at most {} "
                                   "in one object)",
                                   what, t.at, kMaxJsonMembers));
  }
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    return Error::make(Errc::kCorrupt, fmt::format("{}: not valid JSON (byte {})", what, e.byte));
  } catch (const std::exception& e) {
    return Error::make(Errc::kCorrupt, fmt::format("{}: not valid JSON", what));
  }
}

std::string dump_json(const Json& j) {
  return j.dump(-1, ' ', false, nlohmann::detail::error_handler_t::replace);
}

std::string dump_json_pretty(const Json& j) {
  return j.dump(4, ' ', false, nlohmann::detail::error_handler_t::replace);
}

static Result<const Json*> field(const Json& obj, std::string_view name) {
  if (!obj.is_object()) return Error::make(Errc::kCorrupt, "want a JSON object");
  auto it = obj.find(std::string(name));
  if (it == obj.end()) return Error::make(Errc::kCorrupt, fmt::format("{}: missing", name));
  return &*it;
}

Result<std::string> get_string(const Json& obj, std::string_view name) {
  const Json* v = TRY(field(obj, name));
  if (!v->is_string()) return Error::make(Errc::kCorrupt, fmt::format("{}: want a string", name));
  return v->get<std::string>();
}

Result<int64_t> get_int(const Json& obj, std::string_view name) {
  const Json* v = TRY(field(obj, name));
  if (!v->is_number_integer())
    return Error::make(Errc::kCorrupt, fmt::format("{}: want an integer", name));
  auto i = int_of_type<int64_t>(*v, name);
  if (!i.ok()) return Error::make(Errc::kCorrupt, i.error().message());
  return *i;
}

Result<const Json*> get_object(const Json& obj, std::string_view name) {
  const Json* v = TRY(field(obj, name));
  if (!v->is_object()) return Error::make(Errc::kCorrupt, fmt::format("{}: want an object", name));
  return v;
}

Result<const Json*> get_array(const Json& obj, std::string_view name) {
  const Json* v = TRY(field(obj, name));
  if (!v->is_array()) return Error::make(Errc::kCorrupt, fmt::format("{}: want an array", name));
  return v;
}

Result<std::string> get_string_or(const Json& obj, std::string_view name, std::string dflt) {
  if (!obj.is_object() || !obj.contains(std::string(name))) return dflt;
  return get_string(obj, name);
}

Result<bool> get_bool_or(const Json& obj, std::string_view name, bool dflt) {
  if (!obj.is_object()) return dflt;
  auto it = obj.find(std::string(name));
  if (it == obj.end()) return dflt;
  if (!it->is_boolean())
    return Error::make(Errc::kCorrupt, fmt::format("{}: want a boolean", name));
  return it->get<bool>();
}

}  // namespace strata::oci
