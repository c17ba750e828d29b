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

Result<Descriptor> parse_descriptor(const Json& j);

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
