// SPDX-License-Identifier: Apache-2.0
// OCI descriptors, manifests and indexes (image-spec descriptor.md, manifest.md,
// image-index.md), also reading Docker schema2 manifests and manifest lists. Parsing is
// strict: a missing required field or an unknown media type is an error naming the field.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "oci/digest.h"
#include "oci/json.h"
#include "util/result.h"

namespace strata::oci {

// What a descriptor may claim, checked when it is parsed, before anything it names is
// read: manifests and indexes up to 4 MiB (the limit registries apply), configs up to
// 16 MiB, any blob up to 1 TiB. Negative sizes are refused too.
inline constexpr int64_t kMaxManifestBytes = int64_t{4} << 20;
inline constexpr int64_t kMaxConfigBytes = int64_t{16} << 20;
inline constexpr int64_t kMaxBlobBytes = int64_t{1} << 40;

struct Platform {
  std::string architecture;
  std::string os;
  std::string variant;
};

struct Descriptor {
  std::string media_type;
  Digest digest;
  int64_t size = 0;
  std::map<std::string, std::string> annotations;
  std::optional<Platform> platform;

  Json to_json() const;
};

// kCorrupt names the field: "size: -1: negative", "digest: invalid digest ...".
Result<Descriptor> parse_descriptor(const Json& j);

// The largest size a blob of this media type may have (kMaxManifestBytes for manifests
// and indexes, kMaxConfigBytes for configs, else kMaxBlobBytes).
int64_t max_blob_size(std::string_view media_type);

struct Manifest {
  std::string media_type;  // as written; empty for an OCI manifest without the field
  Descriptor config;
  std::vector<Descriptor> layers;
  std::map<std::string, std::string> annotations;

  Json to_json() const;
};

// Parses and validates an image manifest; config and layer media types must be known.
Result<Manifest> parse_manifest(std::string_view text);

struct Index {
  std::string media_type;
  std::vector<Descriptor> manifests;
  std::map<std::string, std::string> annotations;

  Json to_json() const;
};

Result<Index> parse_index(std::string_view text);

}  // namespace strata::oci
