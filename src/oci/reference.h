// SPDX-License-Identifier: Apache-2.0
// Image references normalised as Docker does (distribution/reference): "busybox" is
// docker.io/library/busybox:latest; "localhost:5000/x@sha256:..." keeps its digest.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "oci/digest.h"
#include "util/result.h"

namespace strata::oci {

struct Reference {
  std::string domain;  // "docker.io", "localhost:5000"
  std::string path;    // "library/busybox"
  std::string tag;     // empty if none was given and a digest was
  std::optional<Digest> digest;

  // "docker.io/library/busybox"
  std::string repository() const { return domain + "/" + path; }
  // "docker.io/library/busybox:latest" or "...@sha256:..."
  std::string str() const;
  // Docker's short form of the repository: "busybox", "user/app", "quay.io/x/y".
  std::string familiar_repository() const;
  std::string familiar() const;
};

// Parses and normalises; adds ":latest" when neither tag nor digest is given.
// kInvalidArgument names the reference and the rule it breaks.
Result<Reference> parse_reference(std::string_view text);
// Same, but a digest is refused (a tag target, as `strata tag` wants).
Result<Reference> parse_tag_reference(std::string_view text);

}  // namespace strata::oci
