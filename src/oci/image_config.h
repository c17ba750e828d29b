// SPDX-License-Identifier: Apache-2.0
// The image configuration (image-spec config.md; Docker's image JSON has the same shape).
// The raw document is kept: the image ID is the sha256 of exactly those bytes. Parsing is
// strict about the fields it knows: one of the wrong type ("Cmd": "x", "Env": 5) is an
// error naming it; fields it does not know are kept in `doc` and not checked.
#pragma once

#include <map>
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

// The "config" object: how a container of this image runs. Absent and null fields are
// empty (Docker writes "Cmd": null).
struct ContainerConfig {
  std::string user, working_dir, stop_signal;
  std::vector<std::string> env, entrypoint, cmd, on_build;
  std::map<std::string, std::string> labels;
  std::vector<std::string> exposed_ports, volumes;  // the keys of those objects
};

struct ImageConfig {
  Json doc;  // the whole document
  std::string architecture;
  std::string os;
  std::string variant;
  std::string created;  // RFC 3339, may be empty
  std::string author;
  ContainerConfig config;
  std::vector<Digest> diff_ids;
  std::vector<HistoryEntry> history;

  // Rebuilds the "rootfs" and "history" fields of doc from the struct.
  void sync_doc();
};

// Validates required fields (architecture, os, rootfs.type == "layers", rootfs.diff_ids)
// and the type of every known field. kCorrupt names the field:
// "image config: config.Cmd: want an array of strings".
Result<ImageConfig> parse_image_config(std::string_view text);

// Default platform of this build ("amd64", "linux").
std::string host_architecture();

}  // namespace strata::oci
