// SPDX-License-Identifier: Apache-2.0
// The store's file operations behind one small interface (leveldb's Env), so that tests
// can fail any single write, fsync, rename, mkdir, unlink or syncfs and check that the
// store is unchanged (store/testing/error_env.h). Everything the store does to its own
// files goes through an Env; extraction and packing of layer trees (archive/) do not.
// Implementations are thread-safe: a ContentWriter writes from a helper thread.
#pragma once

#include <sys/types.h>

#include <span>
#include <string>
#include <string_view>

#include "util/result.h"
#include "util/unique_fd.h"

namespace strata::store {

// The base class is the real file system; a test subclass overrides what it fails.
class Env {
 public:
  virtual ~Env() = default;
  static Env& real();

  // open(2) with O_CLOEXEC added; errors name the path.
  virtual Result<UniqueFd> open(const std::string& path, int flags, mode_t mode = 0);
  // Writes all of data (retrying short writes); `name` is for errors.
  virtual Result<void> write(int fd, std::span<const uint8_t> data, std::string_view name);
  virtual Result<void> fsync(int fd, std::string_view name);
  // Flushes the whole file system that holds `path` (one call for a tree of any size).
  virtual Result<void> syncfs(const std::string& path);
  // renameat2 with RENAME_NOREPLACE, RENAME_EXCHANGE or 0 (replace a file).
  virtual Result<void> rename(const std::string& from, const std::string& to, unsigned flags = 0);
  virtual Result<void> mkdir(const std::string& path, mode_t mode);
  virtual Result<void> symlink(const std::string& target, const std::string& path);
  virtual Result<void> unlink(const std::string& path);
  // Removes a tree without following symlinks; a missing path is fine.
  virtual Result<void> remove_all(const std::string& path);
  // Gives the unnamed file fd (O_TMPFILE) the name `path` (linkat; EEXIST if taken).
  virtual Result<void> link_fd(int fd, const std::string& path);

  // open + fsync of a directory: makes renames and creations in it durable.
  Result<void> fsync_dir(const std::string& path);
};

}  // namespace strata::store
