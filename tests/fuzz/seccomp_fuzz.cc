// SPDX-License-Identifier: Apache-2.0
// linux.seccomp -> BPF: any JSON compiles or fails with a Result naming the field;
// nothing throws (a string where a number is wanted aborted the runtime before).
#include <cstdint>
#include <string_view>

#include "oci/json.h"
#include "runtime/seccomp/seccomp.h"

// libseccomp 2.5.4 itself leaks a few 96-byte blocks on some valid profiles (an
// argument rule on x86 + x32; regressions/seccomp/libseccomp-leak-masked-eq-x32.json
// compiles without error and seccomp_release does not free them). Not ours to fix;
// any leak from our own code is still reported.
extern "C" const char* __lsan_default_suppressions() { return "leak:libseccomp.so\n"; }

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
