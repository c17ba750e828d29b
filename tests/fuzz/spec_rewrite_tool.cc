// SPDX-License-Identifier: Apache-2.0
// strata-spec-rewrite: config.json on stdin, the same spec as oci::spec_to_json writes
// it on stdout (a test tool: tests/e2e/runtime_input.bats runs what it writes under
// strata-runtime, runc and crun). Exit 1 with the parse error on stderr.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>

#include "oci/runtime_spec.h"

int main() {
  std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  auto spec = strata::oci::parse_spec(text);
  if (!spec.ok()) {
    std::fprintf(stderr, "strata-spec-rewrite: %s\n", spec.error().message().c_str());
    return 1;
  }
  std::printf("%s\n", strata::oci::dump_json_pretty(strata::oci::spec_to_json(*spec)).c_str());
  return 0;
}
