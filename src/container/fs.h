// SPDX-License-Identifier: Apache-2.0
// A container's file system from outside: `diff` (what its rw layer changed), `commit`
// (the rw layer as a new image layer), `export` (the merged tree as a tar) and `cp`.
// Overlay: the rw layer is read from upper/ directly (no mount needed); the merged view
// of a running container is its mounted merged/, of a stopped one an overlay this process
// mounts in a mount namespace of its own (rootfs.cc): it dies with the process, so a kill
// leaves no mount behind. Vfs: rootfs/ is the view, and the rw layer is what it holds
// that the image's layers do not (copy_changes). See docs/CONTAINERS.md "Filesystem
// operations, storage drivers".
#pragma once

#include <sys/stat.h>

#include <optional>
#include <string>
#include <vector>

#include "archive/stream.h"
#include "container/container.h"
#include "oci/reference.h"
#include "snapshot/snapshot.h"
#include "util/unique_fd.h"

namespace strata::container {

// Docker's change kinds, printed as C, A, D.
enum class ChangeKind { kModify, kAdd, kDelete };
struct Change {
  std::string path;  // absolute inside the container: "/etc/passwd"
  ChangeKind kind;
  bool operator==(const Change&) const = default;
};
char change_letter(ChangeKind k);

// The changes an overlay upper directory holds over its lowers (open directories,
// topmost first), in Docker's order: a walk by name, a directory before what it holds,
// the parent of an added or deleted path listed as changed before it. A whiteout is a
// deletion; an opaque directory that hides a lower one is a deletion followed by what it
// holds (as Docker's overlay driver reports it). A directory whose mode, size and mtime
// equal the lower one's is not listed for itself. `skip` paths (absolute) are left out.
Result<std::vector<Change>> overlay_changes(int upper_fd, const std::vector<int>& lower_fds,
                                            const std::vector<std::string>& skip = {});

// The changes of a vfs container's rootfs/ over its image's layers (open directories,
// topmost first, merged as overlay shows them), in overlay_changes' order and with its
// rules, found by comparing the two trees as Docker's vfs driver does: an entry of the
// layers that rootfs/ lacks is a deletion, one it adds an addition, and one whose type,
// mode, owner, device, size or mtime differ (for directories: mode, owner, size and
// mtime) a change. `bytes`: what the added and changed files and symlinks hold (a
// hardlinked file once), the container's SizeRw.
struct TreeChanges {
  std::vector<Change> changes;
  uint64_t bytes = 0;
};
Result<TreeChanges> copy_changes(int rootfs_fd, const std::vector<int>& layer_fds,
                                 const std::vector<std::string>& skip = {});

// The container's storage driver as recorded (kCorrupt for a name no back-end has), and
// its layout: its directory and the layers create listed in it (<dir>/lowers).
Result<snapshot::Driver> driver_of(const Container& c);
Result<snapshot::Layout> read_layout(Engine& engine, const Container& c);
// The changes of a vfs container (its op lock held by the caller, or not: a running
// container's writes may race the walk, as they do overlay's).
Result<TreeChanges> vfs_changes(Engine& engine, const Container& c);

// The paths Strata creates in a container's rw layer as mount points for the files it
// generates (/etc/hosts, /etc/hostname, /etc/resolv.conf): Docker keeps these in an init
// layer, so neither diff nor commit shows them (when they are the empty files made for
// the mount: `rel` is relative to the tree, "etc/hosts").
const std::vector<std::string>& generated_mount_points();
bool is_generated_mount_point(std::string_view rel, const struct stat& st);

// `diff CONTAINER`.
Result<std::vector<Change>> diff(Engine& engine, const Container& c);

struct CommitOptions {
  std::string author, message;
  std::vector<std::string> changes;  // -c: Dockerfile instructions (oci/change.h)
  bool pause = true;
  std::optional<oci::Reference> tag;
};
// `commit`: the rw layer on top of the container's image, with the container's config.
Result<oci::Digest> commit(Engine& engine, const Container& c, const CommitOptions& o);

// The container's merged tree, open, for as long as the view lives; the container's
// operation lock is held meanwhile (it cannot be started, stopped or removed).
struct RootfsView {
  UniqueFd lock;
  UniqueFd root;
};
Result<RootfsView> open_rootfs(Engine& engine, const Container& c);

// Moves this process into a mount namespace of its own, mounts private (once; later calls
// do nothing): what it mounts then is seen by no other process and ends with it.
Result<void> enter_private_mount_namespace();

// `export`: the merged tree of a view as a tar. Open the view before the output file:
// a stopped container's view moves this process into its own mount namespace, and a
// file created before that could not be linked into place after it (EXDEV).
Result<void> export_container(const Container& c, const RootfsView& view, archive::Writer& out);

}  // namespace strata::container
