// SPDX-License-Identifier: Apache-2.0
// A container's read-write layer over its image's read-only layers, behind one interface
// with two back-ends (the storage drivers; docs/ARCHITECTURE.md "snapshot/"):
//  - overlay: the layers (by their short links, l/<12 chars>) are the lowerdirs, the
//    container's upper/ and work/ take its writes, merged/ is the view. Every path is
//    relative to the store root, and mount() must run with the store root as working
//    directory: 200 layers of "l/<12>" and their separators fit the one page mount(2)
//    takes for its options on any kernel (absolute paths would not), without the new
//    mount API's lowerdir+ (Linux 6.8). The monitor, a fresh single-threaded process, is
//    the one that mounts and unmounts.
//  - vfs (copy.h): rootfs/ is a full copy of the merged layers, made once at create;
//    nothing is ever mounted (Docker's and Podman's vfs driver), for file systems that
//    cannot hold an overlay's upper directory.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace strata::snapshot {

enum class Driver { kOverlay, kVfs };

// "overlay" or "vfs", as Docker and Podman name them.
std::string_view driver_name(Driver d);
// kInvalidArgument naming the value for anything but those two names.
Result<Driver> parse_driver(std::string_view name);

struct Layout {
  std::string dir;                  // "containers/<id>"
  std::vector<std::string> lowers;  // "l/<link>", topmost first
  std::string upper() const { return dir + "/upper"; }
  std::string work() const { return dir + "/work"; }
  std::string merged() const { return dir + "/merged"; }
  std::string rootfs() const { return dir + "/rootfs"; }  // vfs
};

// One back-end. The objects are stateless; snapshotter() hands out the two.
class Snapshotter {
 public:
  virtual ~Snapshotter() = default;
  virtual Driver driver() const = 0;
  // Makes the rw layer below l.dir (which must exist) under root_fd, the store root. A
  // failure may leave part of it: the caller removes l.dir.
  virtual Result<void> prepare(int root_fd, const Layout& l) const = 0;
  // The container's root file system, relative to the store root.
  virtual std::string rootfs(const Layout& l) const = 0;
  // Whether that tree exists only while mounted (overlay: by the monitor while the
  // container runs, by the engine in a private mount namespace for a stopped one).
  virtual bool mounted() const = 0;
};
const Snapshotter& snapshotter(Driver d);

// Most lower layers one overlay takes (the kernel's OVL_MAX_STACK).
inline constexpr size_t kMaxLowers = 500;

// Makes dir/upper, dir/work and dir/merged under root_fd (dir itself must exist).
Result<void> create(int root_fd, const Layout& l);

// The option string for overlay: a layer listed twice keeps only its topmost place
// (overlay refuses a repeated lowerdir with ELOOP; the lower copy is hidden by the upper
// one in every path, so the view is the same). kInvalidArgument past kMaxLowers or the
// page mount(2) takes.
Result<std::string> overlay_options(const Layout& l);

// Mounts the overlay on merged/ (cwd: the store root). Idempotent: an existing mount
// there is first detached, so a mount a crash left is replaced, never stacked.
Result<void> mount(const Layout& l);

// Detaches whatever is mounted on `path` (MNT_DETACH); nothing mounted is fine.
Result<void> unmount(const std::string& path);

// Whether something is mounted on `path` (its mount ID differs from its parent's).
bool is_mounted(const std::string& path);

// Whether an overlay can keep its upper and work directories on the file system of
// `scratch` (an empty directory the caller owns and removes after): an empty reason if
// it can, else the kernel's words for the refusal ("overlay: filesystem on ... not
// supported as upperdir"). The overlay is made with the new mount API and never attached
// anywhere, so nothing stays mounted whatever happens to this process. Errors are for
// what kept the probe from running (making its directories).
Result<std::string> probe_overlay(const std::string& scratch);

}  // namespace strata::snapshot
