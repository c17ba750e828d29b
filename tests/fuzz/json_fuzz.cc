// SPDX-License-Identifier: Apache-2.0
// The JSON adapter: any bytes parse or fail with a Result, and what parses dumps and
// parses again to the same value (nothing throws, nothing recurses without bound).
#include <cstdint>
#include <string_view>

#include "oci/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto j = strata::oci::parse_json(text, "fuzz");
  if (!j.ok()) return 0;
  std::string again = strata::oci::dump_json(*j);
  auto k = strata::oci::parse_json(again, "dump");
  STRATA_CHECK(k.ok());
  return 0;
}
