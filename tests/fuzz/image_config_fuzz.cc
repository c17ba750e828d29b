// SPDX-License-Identifier: Apache-2.0
// Image configs from hostile bytes: parsing returns a Result, a field of the wrong type
// is an error rather than an exception, and sync_doc() of what parses parses again.
#include <cstdint>
#include <string_view>

#include "oci/image_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto c = strata::oci::parse_image_config(text);
  if (!c.ok()) return 0;
  c->sync_doc();
  auto again = strata::oci::parse_image_config(strata::oci::dump_json(c->doc));
  STRATA_CHECK(again.ok());
  STRATA_CHECK(again->diff_ids == c->diff_ids);
  STRATA_CHECK(again->config.cmd == c->config.cmd && again->config.env == c->config.env);
  return 0;
}
