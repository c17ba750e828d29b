// SPDX-License-Identifier: Apache-2.0
// Thin, fd-relative file system wrappers returning Result. Paths given to the *_in_root
// functions are resolved with openat2(RESOLVE_IN_ROOT): they can never leave the root.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "util/result.h"
#include "util/unique_fd.h"

namespace strata::sys {

// A path from outside for an error message: printable() (util/strings.h), and cut after
// 200 bytes with its length ("a/a/a... (10000 bytes)"): deep trees have long names.
std::string printable_path(std::string_view path);

// openat2 with the given resolve flags; errors name `path`.
Result<UniqueFd> openat2(int dirfd, std::string_view path, uint64_t flags, uint64_t mode,
                         uint64_t resolve);
// Opens `rel` inside the tree rooted at root_fd; symlinks and ".." stay inside the root.
// A path longer than the kernel takes in one call (PATH_MAX) is opened in pieces at
// slashes: the first as above, each later one beneath the directory the previous one
// reached (RESOLVE_BENEATH). A symbolic link in a later piece that would leave that
// directory (absolute, or climbing above it) cannot be followed exactly that way and is
// kUnsupported rather than resolved differently. At most two fds are open at a time.
Result<UniqueFd> open_in_root(int root_fd, std::string_view rel, int flags, mode_t mode = 0);
Result<UniqueFd> open_dir(const std::string& path);

Result<void> mkdir_p(const std::string& path, mode_t mode = 0755);
// Writes data to path via a temp file in the same directory, fsync and rename.
Result<void> write_file_atomic(const std::string& path, std::string_view data, mode_t mode = 0644);
// Writes to a file that must exist (proc and cgroup files): one write, no temp file.
Result<void> write_existing_file(const std::string& path, std::string_view data);
Result<std::string> read_file(const std::string& path, size_t max_bytes = 64 << 20);
// Removes path and everything below it without following symlinks. Missing is fine.
// Iterative (walk_tree): any depth, a bounded number of fds.
Result<void> remove_all(const std::string& path);
// Same, for the entry `name` inside the directory dirfd.
Result<void> remove_all_at(int dirfd, const std::string& name);
bool exists(const std::string& path);
// Bytes used by the files below path (st_blocks based is not used: apparent sizes).
Result<uint64_t> tree_size(const std::string& path);

// One entry seen by walk_tree.
struct WalkEntry {
  int parent_fd;            // the directory holding the entry
  const std::string& name;  // its name there
  std::string_view path;    // relative to the walk's root: "a/b/c"
  const struct stat& st;    // lstat of the entry
  int fd;                   // directories: open O_RDONLY during the call; others: -1
};

struct WalkVisitor {
  // Every entry, a directory before what it holds. Returning false skips what a
  // directory holds (and its leave call).
  std::function<Result<bool>(const WalkEntry&)> enter;
  // Each directory entered, after everything it holds (remove_all removes it here).
  std::function<Result<void>(const WalkEntry&)> leave;
  // Visit the names of each directory in byte order (else in readdir order).
  bool sorted = false;
};

// Walks the tree below dir_fd (not dir_fd itself) depth first, without recursion and
// with O(1) fds whatever the depth: only the current directory is open; a directory is
// left through "..", which must still be the (st_dev, st_ino) it was entered from
// (kCorrupt otherwise: the tree moved during the walk). Symlinks are never followed.
// Memory: the names of the directories on the current path. Errors name the entry.
Result<void> walk_tree(int dir_fd, const WalkVisitor& v);

}  // namespace strata::sys
