// SPDX-License-Identifier: Apache-2.0
// Reaching a container's file system from the engine: its layers for `diff`, and its
// merged tree for `cp` and `export`. A vfs container's tree is its rootfs/, opened as it
// is. An overlay one's: a running container's merged/ is mounted (by its monitor) and is
// opened as it is. A stopped one has no mount: this process moves into a mount namespace
// of its own (unshare, no fork: nothing runs between fork and exec), mounts the overlay
// there and opens the tree. No other process ever sees the mount, and it ends with the
// process (the namespace goes with its last member): a kill leaves none. The
// container's operation lock is held meanwhile, so it cannot be started (a second
// overlay on the same upper/) or removed.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include "container/fs.h"
#include "snapshot/snapshot.h"
#include "sys/fs.h"
#include "util/defer.h"
#include "util/strings.h"

namespace strata::container {

namespace {

// The container's layers, open, topmost first.
struct OpenLayers {
  std::vector<UniqueFd> owned;
  std::vector<int> fds;
};
Result<OpenLayers> open_layers(Engine& engine, const snapshot::Layout& layout) {
  OpenLayers out;
  for (const auto& l : layout.lowers) {
    out.owned.push_back(TRY(sys::open_dir(engine.store().root() + "/" + l)));
    out.fds.push_back(out.owned.back().get());
  }
  return out;
}

// Mounts the stopped container's overlay in this process's own namespace and opens it.
Result<UniqueFd> mount_privately(Engine& engine, const Container& c) {
  TRY(enter_private_mount_namespace());
  snapshot::Layout layout = TRY(read_layout(engine, c));
  UniqueFd cwd(::open(".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!cwd.valid()) return Error::from_errno(errno, "open the working directory");
  // Overlay's lower paths are relative to the store root (snapshot.h).
  if (::chdir(engine.store().root().c_str()) < 0)
    return Error::from_errno(errno, fmt::format("chdir `{}`", engine.store().root()));
  Defer back([&] { (void)::fchdir(cwd.get()); });
  TRY_CTX(snapshot::mount(layout), "mount container {}", c.short_id());
  // Left mounted (in this namespace only, which ends with the process): in a detached
  // tree the kernel cannot check a ".." for RESOLVE_IN_ROOT and fails it with EAGAIN.
  return sys::open_dir(layout.merged());
}

}  // namespace

Result<void> enter_private_mount_namespace() {
  static bool entered = false;
  if (entered) return {};
  if (::unshare(CLONE_NEWNS) < 0) return Error::from_errno(errno, "unshare mount namespace");
  // Nothing mounted here may propagate back to the host's namespace.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
    return Error::from_errno(errno, "make mounts private");
  entered = true;
  return {};
}

Result<snapshot::Driver> driver_of(const Container& c) {
  auto d = snapshot::parse_driver(c.driver);
  if (!d.ok())
    return Error::make(Errc::kCorrupt,
                       fmt::format("container {}: {}", c.short_id(), d.error().message()));
  return *d;
}

Result<snapshot::Layout> read_layout(Engine& engine, const Container& c) {
  snapshot::Layout layout{"containers/" + c.id, {}};
  std::string text = TRY(sys::read_file(engine.dir(c) + "/lowers", 1 << 20));
  for (const auto& line : split(text, '\n'))
    if (!line.empty()) layout.lowers.push_back(line);
  return layout;
}

Result<TreeChanges> vfs_changes(Engine& engine, const Container& c) {
  snapshot::Layout layout = TRY(read_layout(engine, c));
  OpenLayers layers = TRY(open_layers(engine, layout));
  auto rootfs = TRY(sys::open_dir(engine.store().root() + "/" + layout.rootfs()));
  return copy_changes(rootfs.get(), layers.fds, generated_mount_points());
}

Result<std::vector<Change>> diff(Engine& engine, const Container& c) {
  if (TRY(driver_of(c)) == snapshot::Driver::kVfs) return TRY(vfs_changes(engine, c)).changes;
  auto upper = TRY(sys::open_dir(engine.dir(c) + "/upper"));
  OpenLayers layers = TRY(open_layers(engine, TRY(read_layout(engine, c))));
  return overlay_changes(upper.get(), layers.fds, generated_mount_points());
}

Result<RootfsView> open_rootfs(Engine& engine, const Container& c) {
  RootfsView v;
  v.lock = TRY(engine.lock(c));
  Container now = TRY(engine.get(c.id));
  if (TRY(driver_of(now)) == snapshot::Driver::kVfs) {
    v.root = TRY(sys::open_dir(engine.dir(now) + "/rootfs"));
    return v;
  }
  std::string merged = engine.dir(now) + "/merged";
  if (now.state.running() && snapshot::is_mounted(merged))
    v.root = TRY(sys::open_dir(merged));
  else
    v.root = TRY(mount_privately(engine, now));
  return v;
}

Result<void> export_container(const Container& c, const RootfsView& view, archive::Writer& out) {
  TRY_CTX(archive::pack_dir(view.root.get(), out), "export container {}", c.short_id());
  return {};
}

}  // namespace strata::container
