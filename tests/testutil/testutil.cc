// SPDX-License-Identifier: Apache-2.0
#include "testutil/testutil.h"

#include <unistd.h>

#include <cstdlib>

#include "sys/fs.h"

namespace strata::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base ? base : "/tmp") + "/strata-test-XXXXXX";
  char* p = ::mkdtemp(tmpl.data());
  STRATA_CHECK(p != nullptr);
  path_ = p;
}

TempDir::~TempDir() { (void)sys::remove_all(path_); }

bool is_root() { return ::geteuid() == 0; }

}  // namespace strata::testing
