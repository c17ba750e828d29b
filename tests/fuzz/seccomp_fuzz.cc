// SPDX-License-Identifier: Apache-2.0
// linux.seccomp -> BPF: any JSON compiles or fails with a Result naming the field;
// nothing throws (a string where a number is wanted aborted the runtime before).
#include <cstdint>
#include <string_view>

#include "oci/json.h"
#include "runtime/seccomp/seccomp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto j = oci::parse_json(text, "fuzz");
  if (!j.ok()) return 0;
  auto filter = runtime::seccomp::compile(*j);
  if (filter.ok()) {
    // struct sock_filter is 8 bytes; a filter always has at least the default action.
    STRATA_CHECK(!filter->bpf.empty() && filter->bpf.size() % 8 == 0);
  } else {
    STRATA_CHECK(filter.error().message().starts_with("linux.seccomp"));
  }
  return 0;
}
