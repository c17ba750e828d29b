// SPDX-License-Identifier: Apache-2.0
#include "oci/image_config.h"

namespace strata::oci {

Result<ImageConfig> parse_image_config(std::string_view text) {
  ImageConfig c;
  c.doc = TRY(parse_json(text, "image config"));
  if (!c.doc.is_object()) return Error::make(Errc::kCorrupt, "image config: want a JSON object");
  c.architecture = TRY_CTX(get_string(c.doc, "architecture"), "image config");
  c.os = TRY_CTX(get_string(c.doc, "os"), "image config");
  c.created = TRY_CTX(get_string_or(c.doc, "created", ""), "image config");
  const Json* rootfs = TRY_CTX(get_object(c.doc, "rootfs"), "image config");
  std::string type = TRY_CTX(get_string(*rootfs, "type"), "image config: rootfs");
  if (type != "layers")
    return Error::make(Errc::kCorrupt,
                       fmt::format("image config: rootfs.type \"{}\": want \"layers\"", type));
  const Json* ids = TRY_CTX(get_array(*rootfs, "diff_ids"), "image config: rootfs");
  for (size_t i = 0; i < ids->size(); ++i) {
    if (!(*ids)[i].is_string())
      return Error::make(Errc::kCorrupt,
                         fmt::format("image config: rootfs.diff_ids[{}]: want a string", i));
    c.diff_ids.push_back(TRY_CTX(Digest::parse((*ids)[i].get<std::string>()),
                                 "image config: rootfs.diff_ids[{}]", i));
  }
  if (c.doc.contains("history") && !c.doc["history"].is_null()) {
    const Json* hist = TRY_CTX(get_array(c.doc, "history"), "image config");
    for (size_t i = 0; i < hist->size(); ++i) {
      const Json& h = (*hist)[i];
      HistoryEntry e;
      auto ctx = [i](Error&& err) {
        return std::move(err).context(fmt::format("image config: history[{}]", i));
      };
      auto created = get_string_or(h, "created", "");
      auto by = get_string_or(h, "created_by", "");
      auto author = get_string_or(h, "author", "");
      auto comment = get_string_or(h, "comment", "");
      if (!created.ok()) return ctx(std::move(created).error());
      if (!by.ok()) return ctx(std::move(by).error());
      if (!author.ok()) return ctx(std::move(author).error());
      if (!comment.ok()) return ctx(std::move(comment).error());
      e.created = *created;
      e.created_by = *by;
      e.author = *author;
      e.comment = *comment;
      if (h.contains("empty_layer")) {
        if (!h["empty_layer"].is_boolean())
          return ctx(Error::make(Errc::kCorrupt, "empty_layer: want a boolean"));
        e.empty_layer = h["empty_layer"].get<bool>();
      }
      c.history.push_back(std::move(e));
    }
  }
  return c;
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
