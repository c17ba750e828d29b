// SPDX-License-Identifier: Apache-2.0
// Layer tar streams (PAX) in and out of directories.
//
// extract_tar() is the hostile-input path: every entry is placed with fd-relative calls
// on a parent directory opened by openat2(RESOLVE_IN_ROOT) from the destination, and the
// last component is never followed (O_NOFOLLOW, O_EXCL, AT_SYMLINK_NOFOLLOW). Entries
// with ".." or absolute paths are refused. OCI whiteouts (image-spec layer.md
// "Whiteouts") become overlayfs whiteouts: ".wh.name" -> a 0/0 character device `name`,
// ".wh..wh..opq" -> the xattr trusted.overlay.opaque="y" on the directory. `cp` extracts
// in plain mode instead, where such names are files like any other (Whiteouts::kPlain).
//
// Limits (ExtractLimits) bound what one layer may cost: its expanded size, its entry
// count, the depth and length of its names, and the data after its end-of-archive marker
// (TarReader). Every walk of a tree is iterative (sys::walk_tree): a deep layer costs
// memory for its names, never one fd per level.
//
// pack_dir() does the reverse for an overlay upper directory.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "archive/stream.h"
#include "util/result.h"

namespace strata::archive {

inline constexpr std::string_view kWhiteoutPrefix = ".wh.";
inline constexpr std::string_view kOpaqueWhiteout = ".wh..wh..opq";
inline constexpr const char* kOverlayOpaqueXattr = "trusted.overlay.opaque";

// Entries deeper than this (components of the cleaned name) are refused, and so are
// names longer than kMaxEntryPathBytes. A layer of 5000 nested directories is fine.
inline constexpr size_t kMaxEntryDepth = 8192;
inline constexpr size_t kMaxEntryPathBytes = 64 << 10;
// Entries when ExtractLimits::max_entries is 0 (fewer if the file system has fewer
// free inodes, less 5% of them).
inline constexpr uint64_t kDefaultMaxEntries = 4 << 20;

struct ExtractLimits {
  // The most bytes the layer's tar stream (what its diff ID hashes) may hold: headers,
  // PAX records and file data all count, holes in sparse files do not (they are not in
  // the stream and take no space). A regular file whose data would pass it is refused at
  // its header, before any of it is written. 0 means the default: the free space of the
  // destination's file system (statvfs f_bavail) when extraction starts, less 5% of its
  // size, so that a layer can never take the last 5%.
  uint64_t max_bytes = 0;
  // The most entries; 0 means kDefaultMaxEntries (or the free inodes, as above).
  uint64_t max_entries = 0;
};

// Cleans a tar entry name: drops "./" and "/" at the ends and "." components. Refuses
// absolute names, ".." components and empty components. "" means the root itself.
Result<std::string> clean_entry_path(std::string_view name);

struct ExtractStats {
  uint64_t entries = 0;
  uint64_t file_bytes = 0;
};

// What ".wh." names and 0/0 character devices are: OCI whiteouts in a layer (kOverlay),
// or files and devices like any other in a plain tar such as `cp` moves (kPlain: a
// user's file named ".wh.foo" is copied as it is and deletes nothing).
enum class Whiteouts { kOverlay, kPlain };

// Unpacks the (uncompressed) tar stream `in` into the directory dest_fd. On error the
// destination holds a partial tree: callers extract into a temporary directory and
// rename it into place only on success. A limit passed is kInvalidArgument naming the
// limit; damaged input is kCorrupt; both name the entry (through printable()).
// The destination may be a running container's tree whose processes rename and replace
// names while this runs: owner, mode and times are set on an fd of what was made, never
// by a name that a swapped-in symlink could send outside (CVE-2018-15664).
Result<ExtractStats> extract_tar(Reader& in, int dest_fd, const ExtractLimits& limits = {},
                                 Whiteouts whiteouts = Whiteouts::kOverlay);

// Entries pack_dir leaves out (with what they hold): true for a path ("etc/hosts",
// relative to the tree) and its lstat.
using PackFilter = std::function<bool(std::string_view path, const struct stat& st)>;

// Writes the tree below dir_fd as a PAX tar to `out`, names sorted, converting overlay
// whiteouts back to OCI ones. Does not close `out`. Regular files are opened as
// pack_entry opens them (below).
Result<void> pack_dir(int dir_fd, Writer& out, const PackFilter& skip = {});

// How pack_entry writes one entry and its tree (`cp`).
struct PackEntryOptions {
  std::string as;          // the top entry's name in the tar ("x", or "." for contents)
  bool set_owner = false;  // write uid/gid below instead of the files' owners
  uint32_t uid = 0, gid = 0;
};
// Writes the entry `name` of parent_fd (never followed: a symlink is written as a link),
// and everything below it if it is a directory, as a PAX tar named from `o.as`. A plain
// tar: a 0/0 character device stays one, ".wh." names are files (Whiteouts::kPlain).
// A regular file is read only through an O_PATH fd checked to be the file the walk saw:
// a FIFO or device that a running container swapped in is refused, never opened.
Result<void> pack_entry(int parent_fd, const std::string& name, Writer& out,
                        const PackEntryOptions& o);

}  // namespace strata::archive
