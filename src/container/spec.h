// SPDX-License-Identifier: Apache-2.0
// The config.json Strata writes for the OCI runtime: Docker's defaults (capabilities,
// masked and read-only paths, device rules, mounts) with the container's process,
// limits and generated files. Valid for strata-runtime, runc and crun alike.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "container/container.h"
#include "oci/json.h"

namespace strata::container {

inline constexpr const char* kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

struct LaunchUser {
  uint32_t uid = 0, gid = 0;
  std::vector<uint32_t> additional_gids;
};

// Docker's -u rules: "", a name or a uid, optionally ":group" (a name or a gid), looked
// up in the image's /etc/passwd and /etc/group (the topmost layer that has the file). A
// uid that is not in /etc/passwd is taken as it is (gid 0); a name that is not is an
// error ("unable find user NAME: no matching entries in passwd file", Docker's words).
Result<LaunchUser> resolve_user(store::Store& store, const store::ImageRecord& img,
                                const std::string& user);
// Parses passwd/group text for resolve_user (pure, for tests).
Result<LaunchUser> lookup_user(std::string_view passwd, std::string_view group,
                               std::string_view user);

// The container's cgroup, relative to each hierarchy's root.
inline std::string cgroup_path(const std::string& id) { return "/strata/" + id; }
// Env lists: `base`, then `given` (K=V, or a bare K for the caller's K), a later key
// replacing an earlier one.
std::vector<std::string> merge_env(const std::vector<std::string>& base,
                                   const std::vector<std::string>& given);
// Docker's refusal of a relative working directory.
Result<void> check_workdir(const std::string& workdir);

std::string hosts_file(const std::string& hostname);
std::string resolv_conf();

// The runtime spec for `c`: rootfs at `rootfs`, generated files from `dir`.
Result<oci::Json> make_spec(const Container& c, const LaunchUser& user, const std::string& rootfs,
                            const std::string& dir);

}  // namespace strata::container
