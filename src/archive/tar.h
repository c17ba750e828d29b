// SPDX-License-Identifier: Apache-2.0
// Layer tar streams (PAX) in and out of directories.
//
// extract_tar() is the hostile-input path: every entry is placed with fd-relative calls
// on a parent directory opened by openat2(RESOLVE_IN_ROOT) from the destination, and the
// last component is never followed (O_NOFOLLOW, O_EXCL, AT_SYMLINK_NOFOLLOW). Entries
// with ".." or absolute paths are refused. OCI whiteouts (image-spec layer.md
// "Whiteouts") become overlayfs whiteouts: ".wh.name" -> a 0/0 character device `name`,
// ".wh..wh..opq" -> the xattr trusted.overlay.opaque="y" on the directory.
//
// pack_dir() does the reverse for an overlay upper directory.
#pragma once

#include <string>
#include <string_view>

#include "archive/stream.h"
#include "util/result.h"

namespace strata::archive {

inline constexpr std::string_view kWhiteoutPrefix = ".wh.";
inline constexpr std::string_view kOpaqueWhiteout = ".wh..wh..opq";
inline constexpr const char* kOverlayOpaqueXattr = "trusted.overlay.opaque";

// Cleans a tar entry name: drops "./" and "/" at the ends and "." components. Refuses
// absolute names, ".." components and empty components. "" means the root itself.
Result<std::string> clean_entry_path(std::string_view name);

struct ExtractStats {
  uint64_t entries = 0;
  uint64_t file_bytes = 0;
};

// Unpacks the (uncompressed) tar stream `in` into the directory dest_fd. On error the
// destination holds a partial tree: callers extract into a temporary directory and
// rename it into place only on success.
Result<ExtractStats> extract_tar(Reader& in, int dest_fd);

// Writes the tree below dir_fd as a PAX tar to `out`, names sorted, converting overlay
// whiteouts back to OCI ones. Does not close `out`.
Result<void> pack_dir(int dir_fd, Writer& out);

}  // namespace strata::archive
