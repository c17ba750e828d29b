// SPDX-License-Identifier: Apache-2.0
// A container's read-write layer over its image's read-only layers. Overlay: the
// layers (by their short links, l/<12 chars>) are the lowerdirs, the container's upper/
// and work/ take its writes, merged/ is the view. Every path is relative to the store
// root, and mount() must run with the store root as working directory: 200 layers of
// "l/<12>" and their separators fit the one page mount(2) takes for its options on any
// kernel (absolute paths would not), without the new mount API's lowerdir+ (Linux 6.8).
// The monitor, a fresh single-threaded process, is the one that mounts and unmounts.
#pragma once

#include <string>
#include <vector>

#include "util/result.h"

namespace strata::snapshot {

struct Layout {
  std::string dir;                  // "containers/<id>"
  std::vector<std::string> lowers;  // "l/<link>", topmost first
  std::string upper() const { return dir + "/upper"; }
  std::string work() const { return dir + "/work"; }
  std::string merged() const { return dir + "/merged"; }
};

// Most lower layers one overlay takes (the kernel's OVL_MAX_STACK).
inline constexpr size_t kMaxLowers = 500;

// Makes dir/upper, dir/work and dir/merged under root_fd (dir itself must exist).
Result<void> create(int root_fd, const Layout& l);

// The option string for overlay: a layer listed twice keeps only its topmost place
// (overlay refuses a repeated lowerdir with ELOOP; the lower copy is hidden by the upper
// one in every path, so the view is the same). kInvalidArgument past kMaxLowers or the
// page mount(2) takes.
Result<std::string> overlay_options(const Layout& l);

// Mounts the overlay on merged/ (cwd: the store root). Idempotent: an existing mount
// there is first detached, so a mount a crash left is replaced, never stacked.
Result<void> mount(const Layout& l);

// Detaches whatever is mounted on `path` (MNT_DETACH); nothing mounted is fine.
Result<void> unmount(const std::string& path);

// Whether something is mounted on `path` (its mount ID differs from its parent's).
bool is_mounted(const std::string& path);

}  // namespace strata::snapshot
