// SPDX-License-Identifier: Apache-2.0
#include "runtime/sealed.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "util/unique_fd.h"

extern char** environ;

namespace strata::runtime {

namespace {

constexpr int kSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

std::string self_path() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof buf) return {};
  return std::string(buf, static_cast<size_t>(n));
}

// Overlay's lowerdir list separates layers with ':' and options with ','; a path with
// either (or an escape) is left to the memfd copy.
bool plain_path(const std::string& p) {
  return !p.empty() && p[0] == '/' && p.find_first_of(":,\\") == std::string::npos;
}

int fsconfig_string(int fs, const char* key, const std::string& value) {
  return static_cast<int>(::syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, key, value.c_str(), 0));
}

// A detached mount of a new, empty tmpfs: overlay's second (empty) layer, made without
// writing anything anywhere (a create refused for a bad config must leave no trace).
int empty_layer() {
  UniqueFd fs(static_cast<int>(::syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC)));
  if (!fs.valid() || fsconfig_string(fs.get(), "size", "4k") < 0 ||
      ::syscall(SYS_fsconfig, fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0)
    return -1;
  return static_cast<int>(::syscall(SYS_fsmount, fs.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY));
}

// An O_PATH fd of this binary as seen through a detached read-only overlay of its
// directory over an empty layer, or -1. The file must be the one running (same inode
// and size), not whatever now has its name.
int overlay_view(const struct stat& self) {
  std::string exe = self_path();
  size_t slash = exe.rfind('/');
  if (!plain_path(exe) || slash == std::string::npos) return -1;
  std::string dir = slash == 0 ? "/" : exe.substr(0, slash);
  std::string name = exe.substr(slash + 1);
  UniqueFd empty(empty_layer());
  if (!empty.valid()) return -1;
  std::string layers = dir + ":/proc/self/fd/" + std::to_string(empty.get());
  UniqueFd fs(static_cast<int>(::syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC)));
  if (!fs.valid() || fsconfig_string(fs.get(), "lowerdir", layers) < 0 ||
      ::syscall(SYS_fsconfig, fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0)
    return -1;
  UniqueFd mnt(
      static_cast<int>(::syscall(SYS_fsmount, fs.get(), FSMOUNT_CLOEXEC,
                                 MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID)));
  if (!mnt.valid()) return -1;
  UniqueFd file(::openat(mnt.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  struct stat st;
  if (!file.valid() || ::fstat(file.get(), &st) < 0 || !S_ISREG(st.st_mode) ||
      st.st_ino != self.st_ino || st.st_size != self.st_size)
    return -1;
  return file.release();
}

// A sealed memfd copy of the binary, or -1.
int memfd_copy(int self, const struct stat& st) {
  UniqueFd mem(static_cast<int>(::memfd_create("strata-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING)));
  if (!mem.valid()) return -1;
  off_t off = 0;
  while (off < st.st_size)
    if (::sendfile(mem.get(), self, &off, static_cast<size_t>(st.st_size - off)) <= 0) return -1;
  if (::fcntl(mem.get(), F_ADD_SEALS, kSeals) < 0) return -1;
  return mem.release();
}

}  // namespace

void ensure_sealed_self(char** argv) {
  if (running_sealed()) return;  // already running from a protected copy
  UniqueFd self(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  struct stat st;
  if (!self.valid() || ::fstat(self.get(), &st) < 0) return;
  const char* mode = std::getenv("STRATA_RUNTIME_SEAL");
  bool memfd_only = mode != nullptr && std::strcmp(mode, "memfd") == 0;
  UniqueFd copy(memfd_only ? -1 : overlay_view(st));
  if (!copy.valid()) copy = UniqueFd(memfd_copy(self.get(), st));
  if (!copy.valid()) return;
  ::fexecve(copy.get(), argv, environ);
  // Falling through (fexecve failed) runs unprotected; the caller checks running_sealed().
}

bool running_sealed() {
  UniqueFd self(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  if (!self.valid()) return false;
  int seals = ::fcntl(self.get(), F_GET_SEALS);
  if (seals >= 0 && (seals & kSeals) == kSeals) return true;
  struct statfs fs;
  return ::fstatfs(self.get(), &fs) == 0 && fs.f_type == OVERLAYFS_SUPER_MAGIC &&
         (fs.f_flags & ST_RDONLY) != 0;
}

}  // namespace strata::runtime
