// SPDX-License-Identifier: Apache-2.0
// Manifests and indexes from hostile bytes: parsing returns a Result (no exception, no
// abort), and what parses is written back and parses again to the same document.
#include <cstdint>
#include <string_view>

#include "oci/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto m = strata::oci::parse_manifest(text); m.ok()) {
    std::string again = strata::oci::dump_json(m->to_json());
    auto m2 = strata::oci::parse_manifest(again);
    STRATA_CHECK(m2.ok());
    STRATA_CHECK(strata::oci::dump_json(m2->to_json()) == again);
    for (const auto& l : m->layers)
      STRATA_CHECK(l.size >= 0 && l.size <= strata::oci::kMaxBlobBytes);
  }
  if (auto idx = strata::oci::parse_index(text); idx.ok()) {
    std::string again = strata::oci::dump_json(idx->to_json());
    auto idx2 = strata::oci::parse_index(again);
    STRATA_CHECK(idx2.ok());
    STRATA_CHECK(strata::oci::dump_json(idx2->to_json()) == again);
  }
  return 0;
}
