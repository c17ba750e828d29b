// SPDX-License-Identifier: Apache-2.0
#include "runtime/sealed.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/unique_fd.h"

extern char** environ;

namespace strata::runtime {

namespace {
constexpr int kSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
}

void ensure_sealed_self(char** argv) {
  if (running_sealed()) return;  // already running from the copy
  UniqueFd self(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  struct stat st;
  if (!self.valid() || ::fstat(self.get(), &st) < 0) return;
  UniqueFd mem(static_cast<int>(::memfd_create("strata-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING)));
  if (!mem.valid()) return;
  off_t off = 0;
  while (off < st.st_size)
    if (::sendfile(mem.get(), self.get(), &off, static_cast<size_t>(st.st_size - off)) <= 0) return;
  if (::fcntl(mem.get(), F_ADD_SEALS, kSeals) < 0) return;
  ::fexecve(mem.get(), argv, environ);
  // Falling through (fexecve failed) runs unprotected; the caller checks running_sealed().
}

bool running_sealed() {
  UniqueFd self(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  if (!self.valid()) return false;
  int seals = ::fcntl(self.get(), F_GET_SEALS);
  return seals >= 0 && (seals & kSeals) == kSeals;
}

}  // namespace strata::runtime
