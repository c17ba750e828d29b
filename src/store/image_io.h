// SPDX-License-Identifier: Apache-2.0
// Images in and out of the store as files: `import` (a rootfs tar becomes a one-layer
// image), `load` (Docker archives and OCI image-layout archives) and `save` (Docker's
// archive format with the OCI index.json and oci-layout that Docker 25+ adds).
// Each reads its input in one pass; nothing reaches the database until every digest has
// been verified, so bad input changes nothing.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "archive/compress.h"
#include "archive/stream.h"
#include "archive/tar.h"
#include "oci/json.h"
#include "oci/reference.h"
#include "store/store.h"

namespace strata::store {

struct ImportOptions {
  archive::Compression compression = archive::Compression::kGzip;
  std::vector<std::string> changes;  // --change instructions
  std::string message;               // -m: the history comment
  std::string source = "-";          // file name or "-", for the default comment
  std::optional<oci::Reference> tag;
};

Result<ImageRecord> import_image(Store& store, archive::Reader& in, const ImportOptions& opts);

// `commit`: a tree with overlay whiteouts (a container's rw layer) becomes a layer on
// top of `parent`, in an image whose "config" is `config`; the history gains one entry.
struct CommitImageOptions {
  oci::Json config;  // the image config's "config": Cmd, Env, ...
  std::string author, comment, created_by;
  archive::PackFilter skip;  // entries of the tree left out
  std::optional<oci::Reference> tag;
};
Result<ImageRecord> commit_image(Store& store, const ImageRecord& parent, int tree_fd,
                                 const CommitImageOptions& opts);

struct LoadedImage {
  oci::Digest id;
  std::vector<oci::Reference> tags;
};

// Reads a Docker archive (manifest.json) or an OCI image-layout archive (index.json),
// either possibly gzip- or zstd-compressed as a whole.
Result<std::vector<LoadedImage>> load_images(Store& store, archive::Reader& in);

// Writes the named images (tags, name@digest or IDs) as one archive.
Result<void> save_images(Store& store, const std::vector<std::string>& names, archive::Writer& out);

}  // namespace strata::store
