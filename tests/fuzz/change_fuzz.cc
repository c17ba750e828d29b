// SPDX-License-Identifier: Apache-2.0
// `--change` instructions from hostile bytes, one per line, applied in turn to one
// config: each is applied or refused with a Result (no std::out_of_range from a port, no
// exception from a value of the wrong type), and the config stays a JSON object that
// dumps and parses again.
#include <cstdint>
#include <string_view>

#include "oci/change.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  strata::oci::Json cfg = strata::oci::Json::object();
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    auto r = strata::oci::apply_change(cfg, text.substr(start, end - start));
    if (!r.ok()) STRATA_CHECK(!r.error().message().empty());
    STRATA_CHECK(cfg.is_object());
    start = end + 1;
  }
  auto again = strata::oci::parse_json(strata::oci::dump_json(cfg), "config");
  STRATA_CHECK(again.ok());
  return 0;
}
