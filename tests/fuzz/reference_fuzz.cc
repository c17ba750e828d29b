// SPDX-License-Identifier: Apache-2.0
// Image references from hostile bytes: parsing returns a Result, and a reference that
// parses prints (str(), familiar()) as text that parses to the same reference.
#include <cstdint>
#include <string_view>

#include "oci/reference.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = strata::oci::parse_reference(text);
  if (!r.ok()) return 0;
  for (const std::string& printed : {r->str(), r->familiar()}) {
    auto again = strata::oci::parse_reference(printed);
    STRATA_CHECK(again.ok());
    STRATA_CHECK(again->str() == r->str());
  }
  return 0;
}
