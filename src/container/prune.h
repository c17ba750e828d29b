// SPDX-License-Identifier: Apache-2.0
// `container prune` and the container part of `system prune` and `system df`: stopped
// containers, the size of their rw layers, and the directories a crash left under
// ROOT/containers/ that no row names.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "container/container.h"

namespace strata::container {

// Bytes in a container's rw layer: its upper/, or for vfs what its rootfs/ adds and
// changes over the image's layers (a full comparison of the two trees).
Result<uint64_t> rw_size(Engine& engine, const Container& c);

struct PrunedContainers {
  std::vector<std::string> deleted;  // full IDs
  uint64_t bytes = 0;
};
// Removes every container that is not running (one started meanwhile is left alone).
Result<PrunedContainers> prune_containers(Engine& engine);

// A directory under ROOT/containers/ older than this that no row names is a leftover (a
// younger one may be a container being created: its row commits after its files).
inline constexpr int64_t kLeftoverAgeSeconds = 300;
// Removes the leftovers, and the volume directories (ROOT/volumes/<name>) no row names
// that are as old; the bytes they held.
Result<uint64_t> prune_leftovers(Engine& engine);

}  // namespace strata::container
