// SPDX-License-Identifier: Apache-2.0
// The vfs back-end (Docker's and Podman's vfs driver): a container's root file system is
// a full copy of its image's layers, made once at create. The layers are stored unpacked
// with overlay whiteouts (archive/tar.h): a 0/0 character device hides a path of the
// layers below, the xattr trusted.overlay.opaque="y" on a directory hides what the layers
// below hold in it. LayerTree merges them in memory exactly as overlay shows them; the
// copy and vfs's `diff` both read that one view, so they can never disagree on it.
// Everything is fd-relative: a layer's symlinks are copied, never followed.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "util/result.h"

namespace strata::snapshot {

// What an overlay lowerdir stack shows, held in memory: a node per visible entry (and per
// whiteout, which hides the entries of the same path below it). Memory: one node (its
// name, an lstat, a child map) per entry of the merged tree.
class LayerTree {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;
  static constexpr uint32_t kRoot = 0;
  struct Node {
    std::string name;         // in its parent ("" for the root)
    struct stat st {};        // lstat in its layer
    uint32_t layer = 0;       // the layer it comes from: an index into the list given
    uint32_t sealed = kNone;  // the topmost layer where this directory is opaque
    bool whiteout = false;    // a deletion marker, not an entry
    std::map<std::string, uint32_t> children;  // by name, in byte order
  };

  // Reads `layers` (open directories, topmost first), each walked once without following
  // a symlink. A layer listed again below its first place adds nothing and is skipped:
  // everything it holds is already hidden by its own upper copy.
  static Result<LayerTree> build(const std::vector<int>& layers);

  const Node& node(uint32_t i) const { return nodes_[i]; }
  size_t size() const { return nodes_.size(); }
  // The visible child `name` of directory node `dir` (not a whiteout), or kNone.
  uint32_t find(uint32_t dir, const std::string& name) const;

 private:
  Result<void> add_layer(uint32_t index, int fd);
  std::vector<Node> nodes_;
};

// Fills dest_fd (an empty directory, made root's and 0755 as overlay's upper directory
// is) with a copy of the merged layers: owners, modes, times, xattrs (not
// overlay's own), hardlinks within a layer, device nodes, fifos and sockets. File data
// is cloned where the file system can (FICLONE), else copied with copy_file_range,
// skipping holes (SEEK_DATA/SEEK_HOLE). Open fds: a few, whatever the depth.
Result<void> copy_layers(const std::vector<int>& layers, int dest_fd);

// Copies the xattrs of src onto dst, leaving out overlay's own (trusted.overlay.*,
// user.overlay.*). An fd of -1 takes the entry `name` in the directory `*_dir`
// instead (symlinks and device nodes, which cannot be opened to set xattrs).
struct XattrEnd {
  int fd = -1;
  int dir = -1;
  const char* name = nullptr;
};
Result<void> copy_xattrs(const XattrEnd& src, const XattrEnd& dst);

}  // namespace strata::snapshot
