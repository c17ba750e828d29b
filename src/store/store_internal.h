// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the store's files, not part of its interface.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "store/db.h"
#include "store/store.h"
#include "util/result.h"

namespace strata::store::internal {

// `n` random characters from [0-9a-f] (getrandom; never throws).
std::string random_hex(size_t n);
// `n` random characters from base32's alphabet [A-Z2-7], as Docker's overlay2 link names.
std::string random_base32(size_t n);

int64_t unix_now();

// The names in a directory, without "." and "..".
Result<std::vector<std::string>> list_dir(const std::string& path);

// The first column of every row of `sql`, with a "sha256:" prefix removed.
Result<std::set<std::string>> column_set(Db& db, const char* sql);

// The record of a staged (and placed) layer, with the media type its blob is stored as.
LayerRecord layer_record(const StagedLayer& s, std::string_view media_type);

// An OCI manifest describing `config` and `layers` as they are stored.
std::string describe_image(std::string_view config, const std::vector<LayerRecord>& layers);
std::string describe_image(const oci::Digest& config, int64_t config_size,
                           const std::vector<LayerRecord>& layers);

}  // namespace strata::store::internal
