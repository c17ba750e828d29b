// SPDX-License-Identifier: Apache-2.0
// The image configuration (image-spec config.md; Docker's image JSON has the same shape).
// The raw document is kept: the image ID is the sha256 of exactly those bytes.
#pragma once

#include <string>
#include <vector>

#include "oci/digest.h"
#include "oci/json.h"
#include "util/result.h"

namespace strata::oci {

struct HistoryEntry {
  std::string created;
  std::string created_by;
  std::string author;
  std::string comment;
  bool empty_layer = false;
};

struct ImageConfig {
  Json doc;  // the whole document
  std::string architecture;
  std::string os;
  std::string created;  // RFC 3339, may be empty
  std::vector<Digest> diff_ids;
  std::vector<HistoryEntry> history;

  // Rebuilds the "rootfs" and "history" fields of doc from the struct.
  void sync_doc();
};

// Validates required fields: architecture, os, rootfs.type == "layers", rootfs.diff_ids.
Result<ImageConfig> parse_image_config(std::string_view text);

// Default platform of this build ("amd64", "linux").
std::string host_architecture();

}  // namespace strata::oci
