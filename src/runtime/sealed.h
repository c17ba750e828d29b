// SPDX-License-Identifier: Apache-2.0
// CVE-2019-5736: the runtime re-executes itself from a sealed memfd copy before it
// starts a container process, so that a container process can never write to the
// runtime binary through /proc/<pid>/exe.
#pragma once

namespace strata::runtime {

// Re-executes this binary from a sealed memfd copy (once); returns only if that failed.
void ensure_sealed_self(char** argv);
// True once this process runs from the sealed copy.
bool running_sealed();

}  // namespace strata::runtime
