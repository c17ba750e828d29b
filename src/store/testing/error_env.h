// SPDX-License-Identifier: Apache-2.0
// ErrorEnv (after leveldb's): the real file system, except that the Nth call of one kind
// of operation fails with an errno. Tests count the calls a command makes, then fail
// each one in turn and check that the store is unchanged and still usable.
#pragma once

#include <array>
#include <atomic>
#include <cerrno>

#include "store/env.h"

namespace strata::store::testing {

enum class Op {
  kOpen,
  kWrite,
  kFsync,
  kSyncfs,
  kRename,
  kMkdir,
  kSymlink,
  kUnlink,
  kRemove,
  kLink
};
inline constexpr int kOpCount = 10;

inline const char* op_name(Op op) {
  static constexpr const char* kNames[] = {"open",  "write",   "fsync",  "syncfs",     "rename",
                                           "mkdir", "symlink", "unlink", "remove_all", "link"};
  return kNames[static_cast<int>(op)];
}

class ErrorEnv : public Env {
 public:
  // From now on, the nth call (1-based) of `op` fails with `err`; 0 disarms.
  void fail_nth(Op op, int nth, int err = EIO) {
    reset_counts();
    fired_ = false;
    fail_op_ = op;
    fail_nth_ = nth;
    err_ = err;
  }
  void disarm() { fail_nth_ = 0; }
  int calls(Op op) const { return counts_[static_cast<size_t>(op)].load(); }
  void reset_counts() {
    for (auto& c : counts_) c = 0;
  }
  bool fired() const { return fired_; }

  Result<UniqueFd> open(const std::string& path, int flags, mode_t mode) override {
    if (hit(Op::kOpen)) return injected("open", path);
    return Env::open(path, flags, mode);
  }
  Result<void> write(int fd, std::span<const uint8_t> data, std::string_view name) override {
    if (hit(Op::kWrite)) return injected("write", name);
    return Env::write(fd, data, name);
  }
  Result<void> fsync(int fd, std::string_view name) override {
    if (hit(Op::kFsync)) return injected("fsync", name);
    return Env::fsync(fd, name);
  }
  Result<void> syncfs(const std::string& path) override {
    if (hit(Op::kSyncfs)) return injected("syncfs", path);
    return Env::syncfs(path);
  }
  Result<void> rename(const std::string& from, const std::string& to, unsigned flags) override {
    if (hit(Op::kRename)) return injected("rename", from);
    return Env::rename(from, to, flags);
  }
  Result<void> mkdir(const std::string& path, mode_t mode) override {
    if (hit(Op::kMkdir)) return injected("mkdir", path);
    return Env::mkdir(path, mode);
  }
  Result<void> symlink(const std::string& target, const std::string& path) override {
    if (hit(Op::kSymlink)) return injected("symlink", path);
    return Env::symlink(target, path);
  }
  Result<void> unlink(const std::string& path) override {
    if (hit(Op::kUnlink)) return injected("unlink", path);
    return Env::unlink(path);
  }
  Result<void> remove_all(const std::string& path) override {
    if (hit(Op::kRemove)) return injected("remove", path);
    return Env::remove_all(path);
  }
  Result<void> link_fd(int fd, const std::string& path) override {
    if (hit(Op::kLink)) return injected("link", path);
    return Env::link_fd(fd, path);
  }

 private:
  bool hit(Op op) {
    int n = ++counts_[static_cast<size_t>(op)];
    if (fail_nth_ == 0 || op != fail_op_ || n != fail_nth_) return false;
    fired_ = true;
    return true;
  }
  Error injected(std::string_view what, std::string_view path) const {
    return Error::from_errno(err_, fmt::format("{} `{}` (injected)", what, path));
  }

  std::array<std::atomic<int>, kOpCount> counts_{};
  Op fail_op_ = Op::kOpen;
  std::atomic<int> fail_nth_ = 0;
  int err_ = EIO;
  std::atomic<bool> fired_ = false;
};

}  // namespace strata::store::testing
