// SPDX-License-Identifier: Apache-2.0
#include "oci/manifest.h"

#include "oci/media_types.h"
#include "util/strings.h"

namespace strata::oci {

namespace media {

bool layer_compression(std::string_view t, Compression* out) {
  if (t == kOciLayer || t == kDockerLayerTar) {
    *out = Compression::kNone;
  } else if (t == kOciLayerGzip || t == kDockerLayerGzip) {
    *out = Compression::kGzip;
  } else if (t == kOciLayerZstd) {
    *out = Compression::kZstd;
  } else {
    return false;
  }
  return true;
}

std::string_view oci_layer_type(Compression c) {
  switch (c) {
    case Compression::kNone:
      return kOciLayer;
    case Compression::kGzip:
      return kOciLayerGzip;
    case Compression::kZstd:
      return kOciLayerZstd;
  }
  return kOciLayer;
}

bool is_manifest_type(std::string_view t) { return t == kOciManifest || t == kDockerManifest; }
bool is_index_type(std::string_view t) { return t == kOciIndex || t == kDockerManifestList; }
bool is_config_type(std::string_view t) { return t == kOciConfig || t == kDockerConfig; }

}  // namespace media

static Result<std::map<std::string, std::string>> parse_annotations(const Json& j) {
  std::map<std::string, std::string> out;
  if (!j.contains("annotations")) return out;
  const Json& a = j["annotations"];
  if (!a.is_object()) return Error::make(Errc::kCorrupt, "annotations: want an object");
  for (auto it = a.begin(); it != a.end(); ++it) {
    if (!it.value().is_string())
      return Error::make(Errc::kCorrupt,
                         fmt::format("annotations.{}: want a string", printable(it.key())));
    out[it.key()] = it.value().get<std::string>();
  }
  return out;
}

Result<Descriptor> parse_descriptor(const Json& j) {
  if (!j.is_object()) return Error::make(Errc::kCorrupt, "want a JSON object");
  Descriptor d;
  d.media_type = TRY(get_string(j, "mediaType"));
  std::string digest = TRY(get_string(j, "digest"));
  d.digest = TRY_CTX(Digest::parse(digest), "digest");
  d.size = TRY(get_int(j, "size"));
  if (d.size < 0) return Error::make(Errc::kCorrupt, fmt::format("size {}: negative", d.size));
  if (d.size > max_blob_size(d.media_type))
    return Error::make(Errc::kCorrupt,
                       fmt::format("size {}: larger than {} bytes for \"{}\"", d.size,
                                   max_blob_size(d.media_type), printable(d.media_type)));
  d.annotations = TRY(parse_annotations(j));
  if (j.contains("platform")) {
    const Json& p = j["platform"];
    Platform plat;
    plat.architecture = TRY_CTX(get_string(p, "architecture"), "platform");
    plat.os = TRY_CTX(get_string(p, "os"), "platform");
    plat.variant = TRY_CTX(get_string_or(p, "variant", ""), "platform");
    d.platform = plat;
  }
  return d;
}

int64_t max_blob_size(std::string_view media_type) {
  if (media::is_manifest_type(media_type) || media::is_index_type(media_type))
    return kMaxManifestBytes;
  if (media::is_config_type(media_type)) return kMaxConfigBytes;
  return kMaxBlobBytes;
}

Json Descriptor::to_json() const {
  Json j = Json::object();
  j["mediaType"] = media_type;
  j["digest"] = digest.str();
  j["size"] = size;
  if (!annotations.empty()) j["annotations"] = annotations;
  if (platform) {
    Json p = Json::object();
    p["architecture"] = platform->architecture;
    p["os"] = platform->os;
    if (!platform->variant.empty()) p["variant"] = platform->variant;
    j["platform"] = p;
  }
  return j;
}

static Result<void> check_schema_version(const Json& j) {
  int64_t v = TRY(get_int(j, "schemaVersion"));
  if (v != 2) return Error::make(Errc::kUnsupported, fmt::format("schemaVersion {}: want 2", v));
  return {};
}

Result<Manifest> parse_manifest(std::string_view text) {
  Json j = TRY(parse_json(text, "manifest"));
  if (!j.is_object()) return Error::make(Errc::kCorrupt, "manifest: want a JSON object");
  TRY_CTX(check_schema_version(j), "manifest");
  Manifest m;
  m.media_type = TRY_CTX(get_string_or(j, "mediaType", ""), "manifest");
  if (!m.media_type.empty() && !media::is_manifest_type(m.media_type))
    return Error::make(Errc::kUnsupported,
                       fmt::format("manifest: unknown media type \"{}\"", printable(m.media_type)));
  const Json* config = TRY_CTX(get_object(j, "config"), "manifest");
  m.config = TRY_CTX(parse_descriptor(*config), "manifest: config");
  if (!media::is_config_type(m.config.media_type))
    return Error::make(
        Errc::kUnsupported,
        fmt::format("manifest: config: unknown media type \"{}\"", printable(m.config.media_type)));
  const Json* layers = TRY_CTX(get_array(j, "layers"), "manifest");
  for (size_t i = 0; i < layers->size(); ++i) {
    Descriptor d = TRY_CTX(parse_descriptor((*layers)[i]), "manifest: layers[{}]", i);
    media::Compression c;
    if (!media::layer_compression(d.media_type, &c))
      return Error::make(Errc::kUnsupported,
                         fmt::format("manifest: layers[{}]: unknown media type \"{}\"", i,
                                     printable(d.media_type)));
    m.layers.push_back(std::move(d));
  }
  m.annotations = TRY_CTX(parse_annotations(j), "manifest");
  return m;
}

Json Manifest::to_json() const {
  Json j = Json::object();
  j["schemaVersion"] = 2;
  j["mediaType"] = media_type.empty() ? std::string(media::kOciManifest) : media_type;
  j["config"] = config.to_json();
  Json ls = Json::array();
  for (const auto& l : layers) ls.push_back(l.to_json());
  j["layers"] = ls;
  if (!annotations.empty()) j["annotations"] = annotations;
  return j;
}

Result<Index> parse_index(std::string_view text) {
  Json j = TRY(parse_json(text, "index"));
  if (!j.is_object()) return Error::make(Errc::kCorrupt, "index: want a JSON object");
  TRY_CTX(check_schema_version(j), "index");
  Index idx;
  idx.media_type = TRY_CTX(get_string_or(j, "mediaType", ""), "index");
  if (!idx.media_type.empty() && !media::is_index_type(idx.media_type))
    return Error::make(Errc::kUnsupported,
                       fmt::format("index: unknown media type \"{}\"", printable(idx.media_type)));
  const Json* ms = TRY_CTX(get_array(j, "manifests"), "index");
  for (size_t i = 0; i < ms->size(); ++i)
    idx.manifests.push_back(TRY_CTX(parse_descriptor((*ms)[i]), "index: manifests[{}]", i));
  idx.annotations = TRY_CTX(parse_annotations(j), "index");
  return idx;
}

Json Index::to_json() const {
  Json j = Json::object();
  j["schemaVersion"] = 2;
  j["mediaType"] = media_type.empty() ? std::string(media::kOciIndex) : media_type;
  Json ms = Json::array();
  for (const auto& m : manifests) ms.push_back(m.to_json());
  j["manifests"] = ms;
  if (!annotations.empty()) j["annotations"] = annotations;
  return j;
}

}  // namespace strata::oci
