// SPDX-License-Identifier: Apache-2.0
// The storage drivers' names and the two Snapshotter back-ends.
#include "snapshot/snapshot.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "snapshot/copy.h"
#include "sys/fs.h"
#include "util/strings.h"

namespace strata::snapshot {

namespace {

class OverlaySnapshotter final : public Snapshotter {
 public:
  Driver driver() const override { return Driver::kOverlay; }
  Result<void> prepare(int root_fd, const Layout& l) const override {
    TRY(overlay_options(l));  // too many layers: refused now, not at start
    return create(root_fd, l);
  }
  std::string rootfs(const Layout& l) const override { return l.merged(); }
  bool mounted() const override { return true; }
};

class CopySnapshotter final : public Snapshotter {
 public:
  Driver driver() const override { return Driver::kVfs; }
  Result<void> prepare(int root_fd, const Layout& l) const override {
    std::vector<UniqueFd> layers;
    std::vector<int> fds;
    for (const auto& name : l.lowers) {
      // l/<link> is a symlink into layers/: followed, the one place it must be.
      UniqueFd fd(::openat(root_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!fd.valid()) return Error::from_errno(errno, fmt::format("open layer `{}`", name));
      fds.push_back(fd.get());
      layers.push_back(std::move(fd));
    }
    std::string rootfs = l.rootfs();
    if (::mkdirat(root_fd, rootfs.c_str(), 0700) < 0)
      return Error::from_errno(errno, fmt::format("mkdir `{}`", rootfs));
    UniqueFd dest(
        ::openat(root_fd, rootfs.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dest.valid()) return Error::from_errno(errno, fmt::format("open `{}`", rootfs));
    TRY_CTX(copy_layers(fds, dest.get()), "copy the image's layers into `{}`", rootfs);
    return {};
  }
  std::string rootfs(const Layout& l) const override { return l.rootfs(); }
  bool mounted() const override { return false; }
};

}  // namespace

std::string_view driver_name(Driver d) { return d == Driver::kVfs ? "vfs" : "overlay"; }

Result<Driver> parse_driver(std::string_view name) {
  if (name == "overlay" || name == "overlay2") return Driver::kOverlay;  // Docker's name too
  if (name == "vfs") return Driver::kVfs;
  return Error::make(
      Errc::kInvalidArgument,
      fmt::format("unknown storage driver \"{}\": want overlay or vfs", printable(name)));
}

const Snapshotter& snapshotter(Driver d) {
  static const OverlaySnapshotter kOverlay;
  static const CopySnapshotter kCopy;
  if (d == Driver::kVfs) return kCopy;
  return kOverlay;
}

}  // namespace strata::snapshot
