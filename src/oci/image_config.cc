// SPDX-License-Identifier: Apache-2.0
#include "oci/image_config.h"

#include "util/strings.h"

namespace strata::oci {

namespace {

Error wrong_type(std::string_view field, std::string_view want) {
  if (field.empty()) return Error::make(Errc::kCorrupt, fmt::format("want {}", want));
  return Error::make(Errc::kCorrupt, fmt::format("{}: want {}", field, want));
}

// The member `key` of obj, or nullptr when it is absent or null (both mean "not set").
const Json* member(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<std::string> opt_string(const Json& obj, const char* key, std::string_view field) {
  const Json* v = member(obj, key);
  if (v == nullptr) return std::string();
  if (!v->is_string()) return wrong_type(field, "a string");
  return v->get<std::string>();
}

Result<std::vector<std::string>> opt_strings(const Json& obj, const char* key,
                                             std::string_view field) {
  std::vector<std::string> out;
  const Json* v = member(obj, key);
  if (v == nullptr) return out;
  if (!v->is_array()) return wrong_type(field, "an array of strings");
  for (const auto& e : *v) {
    if (!e.is_string()) return wrong_type(field, "an array of strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

// An object used as a set (ExposedPorts, Volumes): its keys; the values carry nothing.
Result<std::vector<std::string>> opt_key_set(const Json& obj, const char* key,
                                             std::string_view field) {
  std::vector<std::string> out;
  const Json* v = member(obj, key);
  if (v == nullptr) return out;
  if (!v->is_object()) return wrong_type(field, "an object");
  for (auto it = v->begin(); it != v->end(); ++it) out.push_back(it.key());
  return out;
}

Result<std::map<std::string, std::string>> opt_string_map(const Json& obj, const char* key,
                                                          std::string_view field) {
  std::map<std::string, std::string> out;
  const Json* v = member(obj, key);
  if (v == nullptr) return out;
  if (!v->is_object()) return wrong_type(field, "an object of strings");
  for (auto it = v->begin(); it != v->end(); ++it) {
    if (!it.value().is_string()) return wrong_type(field, "an object of strings");
    out[it.key()] = it.value().get<std::string>();
  }
  return out;
}

Result<void> check_kind(const Json& obj, const char* key, std::string_view field, bool ok_object,
                        bool ok_bool) {
  const Json* v = member(obj, key);
  if (v == nullptr) return {};
  if (ok_object && !v->is_object()) return wrong_type(field, "an object");
  if (ok_bool && !v->is_boolean()) return wrong_type(field, "a boolean");
  return {};
}

Result<ContainerConfig> parse_container_config(const Json& doc) {
  ContainerConfig c;
  const Json* cfg = member(doc, "config");
  if (cfg == nullptr) return c;
  if (!cfg->is_object()) return wrong_type("config", "an object");
  c.user = TRY(opt_string(*cfg, "User", "config.User"));
  c.working_dir = TRY(opt_string(*cfg, "WorkingDir", "config.WorkingDir"));
  c.stop_signal = TRY(opt_string(*cfg, "StopSignal", "config.StopSignal"));
  c.env = TRY(opt_strings(*cfg, "Env", "config.Env"));
  c.entrypoint = TRY(opt_strings(*cfg, "Entrypoint", "config.Entrypoint"));
  c.cmd = TRY(opt_strings(*cfg, "Cmd", "config.Cmd"));
  c.on_build = TRY(opt_strings(*cfg, "OnBuild", "config.OnBuild"));
  c.labels = TRY(opt_string_map(*cfg, "Labels", "config.Labels"));
  c.exposed_ports = TRY(opt_key_set(*cfg, "ExposedPorts", "config.ExposedPorts"));
  c.volumes = TRY(opt_key_set(*cfg, "Volumes", "config.Volumes"));
  TRY(check_kind(*cfg, "Healthcheck", "config.Healthcheck", true, false));
  TRY(check_kind(*cfg, "ArgsEscaped", "config.ArgsEscaped", false, true));
  return c;
}

Result<std::vector<Digest>> parse_rootfs(const Json& doc) {
  const Json* rootfs = TRY(get_object(doc, "rootfs"));
  std::string type = TRY_CTX(get_string(*rootfs, "type"), "rootfs");
  if (type != "layers")
    return Error::make(Errc::kCorrupt,
                       fmt::format("rootfs.type \"{}\": want \"layers\"", printable(type)));
  auto ids = rootfs->find("diff_ids");
  if (ids == rootfs->end()) return Error::make(Errc::kCorrupt, "rootfs.diff_ids: missing");
  if (!ids->is_array()) return wrong_type("rootfs.diff_ids", "an array of digests");
  std::vector<Digest> out;
  for (size_t i = 0; i < ids->size(); ++i) {
    const Json& id = (*ids)[i];
    if (!id.is_string()) return wrong_type(fmt::format("rootfs.diff_ids[{}]", i), "a string");
    out.push_back(TRY_CTX(Digest::parse(id.get<std::string>()), "rootfs.diff_ids[{}]", i));
  }
  return out;
}

Result<HistoryEntry> parse_history_entry(const Json& h) {
  if (!h.is_object()) return wrong_type("", "an object");
  HistoryEntry e;
  e.created = TRY(opt_string(h, "created", "created"));
  e.created_by = TRY(opt_string(h, "created_by", "created_by"));
  e.author = TRY(opt_string(h, "author", "author"));
  e.comment = TRY(opt_string(h, "comment", "comment"));
  TRY(check_kind(h, "empty_layer", "empty_layer", false, true));
  if (const Json* v = member(h, "empty_layer")) e.empty_layer = v->get<bool>();
  return e;
}

Result<std::vector<HistoryEntry>> parse_history(const Json& doc) {
  std::vector<HistoryEntry> out;
  const Json* hist = member(doc, "history");
  if (hist == nullptr) return out;
  if (!hist->is_array()) return wrong_type("history", "an array");
  for (size_t i = 0; i < hist->size(); ++i)
    out.push_back(TRY_CTX(parse_history_entry((*hist)[i]), "history[{}]", i));
  return out;
}

Result<ImageConfig> parse_config_doc(Json doc) {
  if (!doc.is_object()) return wrong_type("", "a JSON object");
  ImageConfig c;
  c.architecture = TRY(get_string(doc, "architecture"));
  c.os = TRY(get_string(doc, "os"));
  c.variant = TRY(opt_string(doc, "variant", "variant"));
  c.created = TRY(opt_string(doc, "created", "created"));
  if (int64_t t; !c.created.empty() && !parse_rfc3339(c.created, &t))
    return Error::make(Errc::kCorrupt, fmt::format("created: \"{}\" is not an RFC 3339 time",
                                                   printable(c.created)));
  c.author = TRY(opt_string(doc, "author", "author"));
  TRY(opt_string(doc, "os.version", "os.version"));
  TRY(opt_strings(doc, "os.features", "os.features"));
  c.config = TRY(parse_container_config(doc));
  c.diff_ids = TRY(parse_rootfs(doc));
  c.history = TRY(parse_history(doc));
  c.doc = std::move(doc);
  return c;
}

}  // namespace

Result<ImageConfig> parse_image_config(std::string_view text) {
  Json doc = TRY(parse_json(text, "image config"));
  return TRY_CTX(parse_config_doc(std::move(doc)), "image config");
}

void ImageConfig::sync_doc() {
  Json rootfs = Json::object();
  rootfs["type"] = "layers";
  Json ids = Json::array();
  for (const auto& d : diff_ids) ids.push_back(d.str());
  rootfs["diff_ids"] = ids;
  doc["rootfs"] = rootfs;
  Json hist = Json::array();
  for (const auto& h : history) {
    Json e = Json::object();
    if (!h.created.empty()) e["created"] = h.created;
    if (!h.created_by.empty()) e["created_by"] = h.created_by;
    if (!h.author.empty()) e["author"] = h.author;
    if (!h.comment.empty()) e["comment"] = h.comment;
    if (h.empty_layer) e["empty_layer"] = true;
    hist.push_back(e);
  }
  doc["history"] = hist;
}

std::string host_architecture() {
#if defined(__x86_64__)
  return "amd64";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__arm__)
  return "arm";
#elif defined(__powerpc64__)
  return "ppc64le";
#elif defined(__s390x__)
  return "s390x";
#elif defined(__riscv)
  return "riscv64";
#else
  return "unknown";
#endif
}

}  // namespace strata::oci
