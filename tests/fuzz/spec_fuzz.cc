// SPDX-License-Identifier: Apache-2.0
// config.json -> RuntimeSpec -> LaunchPlan: any bytes parse or fail with a Result
// (nothing throws, nothing aborts), a parsed spec written by spec_to_json reads back
// equal, and compile_spec takes every parsed spec without crashing. The bundle is a
// fixed directory; paths the spec names are only stat'ed.
#include <cstdint>
#include <string_view>

#include "oci/runtime_spec.h"
#include "runtime/plan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto spec = oci::parse_spec(text);
  if (!spec.ok()) {
    STRATA_CHECK(!spec.error().message().empty());
    return 0;
  }
  auto again = oci::parse_spec(oci::dump_json(oci::spec_to_json(*spec)));
  STRATA_CHECK(again.ok());
  STRATA_CHECK(*again == *spec);
  runtime::CgroupView v1;
  v1.v1_dirs = {{"memory", "/sys/fs/cgroup/memory/fuzz"}, {"cpu", "/sys/fs/cgroup/cpu/fuzz"}};
  (void)runtime::compile_spec(*spec, "/nonexistent-bundle", v1);
  runtime::CgroupView v2;
  v2.v2 = true;
  v2.v2_dir = "/sys/fs/cgroup/fuzz";
  (void)runtime::compile_spec(*spec, "/", v2);
  return 0;
}
