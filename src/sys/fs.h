// SPDX-License-Identifier: Apache-2.0
// Thin, fd-relative file system wrappers returning Result. Paths given to the *_in_root
// functions are resolved with openat2(RESOLVE_IN_ROOT): they can never leave the root.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"
#include "util/unique_fd.h"

namespace strata::sys {

// openat2 with the given resolve flags; errors name `path`.
Result<UniqueFd> openat2(int dirfd, std::string_view path, uint64_t flags, uint64_t mode,
                         uint64_t resolve);
// Opens `rel` inside the tree rooted at root_fd; symlinks and ".." stay inside the root.
Result<UniqueFd> open_in_root(int root_fd, std::string_view rel, int flags, mode_t mode = 0);
Result<UniqueFd> open_dir(const std::string& path);

Result<void> mkdir_p(const std::string& path, mode_t mode = 0755);
// Writes data to path via a temp file in the same directory, fsync and rename.
Result<void> write_file_atomic(const std::string& path, std::string_view data, mode_t mode = 0644);
// Writes to a file that must exist (proc and cgroup files): one write, no temp file.
Result<void> write_existing_file(const std::string& path, std::string_view data);
Result<std::string> read_file(const std::string& path, size_t max_bytes = 64 << 20);
// Removes path and everything below it without following symlinks. Missing is fine.
Result<void> remove_all(const std::string& path);
// Same, for the entry `name` inside the directory dirfd.
Result<void> remove_all_at(int dirfd, const std::string& name);
bool exists(const std::string& path);
// Bytes used by the files below path (st_blocks based is not used: apparent sizes).
Result<uint64_t> tree_size(const std::string& path);

}  // namespace strata::sys
