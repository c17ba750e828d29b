// SPDX-License-Identifier: Apache-2.0
#include "oci/json.h"

namespace strata::oci {

namespace {

// The byte offset at which `text` nests deeper than kMaxJsonDepth, or npos. Brackets
// inside strings do not count; malformed text is left for the parser to report.
size_t too_deep_at(std::string_view text) {
  int depth = 0;
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
      if (++depth > kMaxJsonDepth) return i;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return std::string_view::npos;
}

}  // namespace

Result<Json> parse_json(std::string_view text, std::string_view what) {
  if (size_t at = too_deep_at(text); at != std::string_view::npos)
    return Error::make(
        Errc::kCorrupt,
        fmt::format("{}: JSON nested deeper than {} levels (byte {})", what, kMaxJsonDepth, at));
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
  return v->get<int64_t>();
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

}  // namespace strata::oci
