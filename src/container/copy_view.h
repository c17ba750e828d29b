// SPDX-License-Identifier: Apache-2.0
// What `cp` sees of a container: its root file system with its volumes and bind mounts on
// top, as the container sees them (Docker mounts them for a copy too). The mounts are
// made in this process's private mount namespace (no other process sees them; they end
// with it), each source bound onto its destination opened inside the root with
// RESOLVE_IN_ROOT, read-only where the container has it read-only. A tmpfs mount's
// content exists only in a running container's own mount namespace: a path below one is
// reached through the container's root (/proc/PID/root, checked to be its root), and is
// refused for a container that is not running. Elsewhere in the view a tmpfs destination
// is covered by an empty read-only tmpfs, so that nothing is written under the mount
// point where the container would never see it.
#pragma once

#include <string_view>

#include "container/container.h"
#include "container/fs.h"

namespace strata::container {

// The view for a cp to (`write`) or from the container path `path`. Writes are refused
// with Docker's errors below a read-only mount ("mounted volume is marked read-only") and
// elsewhere in a --read-only container ("container rootfs is marked read-only").
Result<RootfsView> open_copy_view(Engine& engine, const Container& c, std::string_view path,
                                  bool write);

}  // namespace strata::container
