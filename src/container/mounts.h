// SPDX-License-Identifier: Apache-2.0
// What a container mounts besides its rootfs: the -v/--volume, --mount and --tmpfs flags
// parsed (pure functions, Docker's syntax and error texts), and the config.json mounts
// made from what a container recorded (Container::mounts and HostConfig.Tmpfs/Mounts).
// Volumes themselves (rows, directories, copy-up) are container/volumes.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "container/container.h"
#include "oci/json.h"
#include "util/result.h"

namespace strata::container {

enum class MountType { kBind, kVolume, kTmpfs };
// Which flag a mount came from (Docker records each in its own place).
enum class MountFlag { kVolume, kMount, kTmpfs, kImage };

// One mount as the flags describe it.
struct MountSpec {
  MountType type = MountType::kVolume;
  MountFlag flag = MountFlag::kVolume;
  std::string source;  // bind: host path; volume: name ("" for an anonymous one)
  std::string target;  // absolute, cleaned
  bool readonly = false;
  std::string propagation;               // bind only; "" is rprivate
  bool nocopy = false;                   // volume: no copy-up of the image's content
  std::string mode;                      // -v: the options as given ("ro,z"), Docker's "Mode"
  bool create_source = false;            // -v: a missing host path is made a directory
  std::optional<uint64_t> tmpfs_size;    // bytes
  std::optional<uint32_t> tmpfs_mode;    // permission bits
  std::vector<std::string> tmpfs_extra;  // --tmpfs: other mount options, in order
};

// `-v`: `/host:/ctr[:opts]`, `name:/ctr[:opts]`, `/ctr[:opts]`. A source that starts
// with "." is a host path relative to the working directory (made absolute here).
Result<MountSpec> parse_volume_flag(std::string_view spec);
// `--mount type=bind|volume|tmpfs,source=,target=,readonly,...`.
Result<MountSpec> parse_mount_flag(std::string_view spec);
// `--tmpfs /path[:opts]`: opts are tmpfs mount options (size=, mode=, ro, noexec, ...).
Result<MountSpec> parse_tmpfs_flag(std::string_view spec);

// Docker's rule for a local volume's name: [a-zA-Z0-9][a-zA-Z0-9_.-]+. The error names it.
Result<void> check_volume_name(std::string_view name);

// Docker's path.Clean for an absolute container path ("/a//b/../c/" is "/a/c").
std::string clean_path(std::string_view path);

// Adds to config.json's `mounts` (Docker's defaults) what `c` recorded: binds and
// volumes from c.mounts, tmpfs from HostConfig.Tmpfs and HostConfig.Mounts, shallower
// destinations first (a mount inside another comes after it). A default at the same
// destination as one of these goes, as Docker lets a user mount replace /dev/shm.
Result<void> add_user_mounts(const Container& c, oci::Json& mounts);

}  // namespace strata::container
