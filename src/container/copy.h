// SPDX-License-Identifier: Apache-2.0
// `cp` between a container and the host, or a tar stream, with Docker's rules for what
// a source and a destination name (docker-cp(1)). Every path inside the container is
// opened with openat2(RESOLVE_IN_ROOT) from its merged tree and everything after that is
// fd-relative: a container that swaps a directory for a symlink while the copy runs
// (CVE-2018-15664) can only redirect it to somewhere else inside its own root. A path
// that climbs out ("../../etc") is clamped at the root, as Docker does: it names /etc.
#pragma once

#include <string>
#include <string_view>

#include "archive/stream.h"
#include "container/container.h"

namespace strata::container {

// A path as cp reads it: "/tmp/d/." is the contents of /tmp/d; a trailing "/" says it
// must be a directory. dir is relative ("tmp"; "" for the top), base the last component
// ("d"; "" when the path names the top itself).
struct CopyPath {
  std::string dir, base;
  bool contents = false;  // ends with "/."
  bool trailing_slash = false;
};
CopyPath parse_copy_path(std::string_view path);

struct CopyOptions {
  bool archive = false;  // -a: keep the owners (else root in the container, the caller outside)
  bool follow = false;   // -L: follow a symlink named as the source
};

// CONTAINER:SRC DEST; with DEST "-", `out` gets the tar.
Result<void> copy_from_container(Engine& engine, const Container& c, std::string_view src,
                                 const std::string& dest, const CopyOptions& o);
Result<void> copy_from_container_tar(Engine& engine, const Container& c, std::string_view src,
                                     archive::Writer& out, const CopyOptions& o);
// SRC CONTAINER:DEST; with SRC "-", the tar `in` is extracted into the directory DEST.
Result<void> copy_to_container(Engine& engine, const Container& c, const std::string& src,
                               std::string_view dest, const CopyOptions& o);
Result<void> copy_tar_to_container(Engine& engine, const Container& c, archive::Reader& in,
                                   std::string_view dest);

}  // namespace strata::container
