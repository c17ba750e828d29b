// SPDX-License-Identifier: Apache-2.0
#include "oci/runtime_spec_reader.h"

#include "util/strings.h"

namespace strata::oci::spec_reader {

Error bad(std::string_view field, std::string_view why) {
  return Error::make(Errc::kInvalidArgument, printable(fmt::format("{}: {}", field, why)));
}

Result<Fields> Fields::of(const Json& j, std::string at) {
  if (j.is_null()) return Fields(nullptr, std::move(at));
  if (!j.is_object()) return bad(at, fmt::format("want an object, got {}", j.type_name()));
  return Fields(&j, std::move(at));
}

std::string Fields::at(std::string_view key) const {
  return at_.empty() ? std::string(key) : fmt::format("{}.{}", at_, key);
}

const Json* Fields::get(const char* key) const {
  if (j_ == nullptr) return nullptr;
  auto it = j_->find(key);
  if (it == j_->end() || it->is_null()) return nullptr;
  return &*it;
}

Result<std::optional<std::string>> Fields::opt_string(const char* key) const {
  const Json* v = get(key);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->is_string()) return bad(at(key), fmt::format("want a string, got {}", v->type_name()));
  return std::optional<std::string>(v->get<std::string>());
}

Result<std::string> Fields::string_or(const char* key, std::string dflt) const {
  return TRY(opt_string(key)).value_or(std::move(dflt));
}

Result<std::optional<bool>> Fields::opt_bool(const char* key) const {
  const Json* v = get(key);
  if (v == nullptr) return std::optional<bool>();
  if (!v->is_boolean()) return bad(at(key), fmt::format("want a boolean, got {}", v->type_name()));
  return std::optional<bool>(v->get<bool>());
}

Result<bool> Fields::bool_or(const char* key, bool dflt) const {
  return TRY(opt_bool(key)).value_or(dflt);
}

Result<std::optional<int64_t>> Fields::opt_int(const char* key, int64_t min, int64_t max) const {
  const Json* v = get(key);
  if (v == nullptr) return std::optional<int64_t>();
  return std::optional<int64_t>(TRY(int_in_range(*v, at(key), min, max)));
}

Result<std::optional<uint64_t>> Fields::opt_uint(const char* key, uint64_t max) const {
  const Json* v = get(key);
  if (v == nullptr) return std::optional<uint64_t>();
  return std::optional<uint64_t>(TRY(uint_in_range(*v, at(key), max)));
}

Result<std::vector<std::string>> Fields::strings(const char* key) const {
  std::vector<std::string> out;
  for (const auto& [v, where] : TRY(array(key))) {
    if (!v->is_string()) return bad(where, fmt::format("want a string, got {}", v->type_name()));
    out.push_back(v->get<std::string>());
  }
  return out;
}

Result<Fields> Fields::object(const char* key) const {
  const Json* v = get(key);
  if (v == nullptr) return Fields(nullptr, at(key));
  return Fields::of(*v, at(key));  // keeps a pointer to *v: never to a temporary
}

Result<std::vector<std::pair<const Json*, std::string>>> Fields::array(const char* key) const {
  std::vector<std::pair<const Json*, std::string>> out;
  const Json* v = get(key);
  if (v == nullptr) return out;
  if (!v->is_array()) return bad(at(key), fmt::format("want an array, got {}", v->type_name()));
  for (size_t i = 0; i < v->size(); ++i)
    out.emplace_back(&(*v)[i], fmt::format("{}[{}]", at(key), i));
  return out;
}

Result<std::vector<Fields>> Fields::objects(const char* key) const {
  std::vector<Fields> out;
  for (const auto& [v, where] : TRY(array(key))) out.push_back(TRY(Fields::of(*v, where)));
  return out;
}

Result<std::map<std::string, std::string>> Fields::string_map(const char* key) const {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : TRY(object(key)).members()) {
    if (!v->is_string())
      return bad(fmt::format("{}.{}", at(key), k),
                 fmt::format("want a string, got {}", v->type_name()));
    out[k] = v->get<std::string>();
  }
  return out;
}

std::vector<std::pair<std::string, const Json*>> Fields::members() const {
  std::vector<std::pair<std::string, const Json*>> out;
  if (j_ == nullptr) return out;
  for (auto it = j_->begin(); it != j_->end(); ++it) out.emplace_back(it.key(), &it.value());
  return out;
}

}  // namespace strata::oci::spec_reader
