// SPDX-License-Identifier: Apache-2.0
// The image store: content-addressed blobs, layers unpacked once each, and image
// metadata in SQLite. Layout (DESIGN.md "On disk"):
//   strata.db  blobs/sha256/<hex>  layers/<diffid-hex>/diff  tmp/<pid>-<rand>/
// Crash rule: files are written under tmp/, verified, renamed into place, and only then
// named by a committed transaction. The database never names a file that is not there;
// prune() removes files nothing names. Ingests hold a shared lock on the store, deletion
// and garbage collection an exclusive one, so GC never takes a file an ingest just placed.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "archive/layer.h"
#include "oci/image_config.h"
#include "oci/manifest.h"
#include "oci/reference.h"
#include "store/db.h"
#include "util/unique_fd.h"

namespace strata::store {

struct LayerRecord {
  oci::Digest diff_id;
  oci::Digest blob_digest;
  std::string media_type;
  int64_t blob_size = 0;
  int64_t diff_size = 0;
  int64_t unpacked_size = 0;
};

struct ImageRecord {
  oci::Digest id;  // sha256 of the config
  oci::Digest manifest_digest;
  int64_t created = 0;  // from the config, unix seconds
  int64_t added = 0;
  std::vector<std::string> tags;  // normalised: docker.io/library/busybox:latest
  std::vector<LayerRecord> layers;
  int64_t size() const;  // sum of the unpacked layer sizes
};

// A scratch directory under tmp/, removed on destruction unless released.
class TempArea {
 public:
  TempArea(std::string path) : path_(std::move(path)) {}
  TempArea(TempArea&& o) noexcept : path_(std::exchange(o.path_, "")) {}
  ~TempArea();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A layer unpacked under tmp/, waiting to be placed.
struct StagedLayer {
  archive::LayerInfo info;
  std::string blob_path;  // the raw (possibly compressed) blob, in tmp/
  std::string dir;        // tmp/.../<n>, holding diff/
};

// What a new image is made of; every blob and layer must already be in the store.
struct NewImage {
  std::string manifest;  // bytes, as stored
  std::string config;    // bytes, as stored
  std::vector<LayerRecord> layers;
  std::vector<oci::Reference> tags;
};

class Store {
 public:
  // Opens (creating) the store at root. Takes no lock.
  static Result<std::unique_ptr<Store>> open(const std::string& root);

  const std::string& root() const { return root_; }
  std::string blob_path(const oci::Digest& d) const;
  std::string layer_dir(const oci::Digest& diff_id) const;  // the "diff" directory

  // Locks: shared for work that adds to the store, exclusive for work that removes.
  Result<UniqueFd> lock_shared();
  Result<UniqueFd> lock_exclusive();

  Result<TempArea> make_temp();

  // Blobs. put_blob verifies `expect` when given.
  Result<bool> has_blob(const oci::Digest& d) const;
  Result<oci::Digest> put_blob(std::string_view data,
                               const std::optional<oci::Digest>& expect = {});
  // Moves a verified temp file into place as blob d (keeps the existing one if present).
  Result<void> place_blob(const std::string& tmp_path, const oci::Digest& d);
  Result<std::string> read_blob(const oci::Digest& d, size_t max_bytes = 32 << 20) const;

  // Layers.
  // Renames staged/diff to layers/<diffid>/diff unless that layer is there already.
  Result<void> place_layer(const StagedLayer& staged);

  // Images.
  // Records the image, its layers and tags in one transaction; returns the image.
  Result<ImageRecord> add_image(const NewImage& img);
  Result<std::vector<ImageRecord>> list_images();
  // Resolves a name the way Docker does: a tag reference, name@digest, a full image ID
  // ("sha256:<hex>") or an unambiguous ID prefix. kNotFound names the reference.
  Result<ImageRecord> resolve(std::string_view name);
  Result<ImageRecord> get_image(const oci::Digest& id);
  Result<oci::ImageConfig> load_config(const ImageRecord& img);
  Result<oci::Manifest> load_manifest(const ImageRecord& img);
  Result<void> tag(const oci::Digest& id, const oci::Reference& ref);
  // Removes one tag; true if the image has no tags left afterwards.
  Result<bool> untag(const oci::Reference& ref);
  // Deletes the image record (must hold the exclusive lock); files go at the next sweep.
  Result<void> delete_image(const oci::Digest& id);

  // Removes every blob, layer and tmp entry that nothing names (exclusive lock held).
  struct SweepStats {
    uint64_t blobs = 0, layers = 0, temps = 0, bytes = 0;
  };
  Result<SweepStats> sweep();

 private:
  Store(std::string root, std::unique_ptr<Db> db) : root_(std::move(root)), db_(std::move(db)) {}
  Result<std::vector<LayerRecord>> image_layers(const oci::Digest& id);
  Result<std::vector<std::string>> image_tags(const oci::Digest& id);
  Result<ImageRecord> load_image_row(Stmt& st);
  Result<UniqueFd> lock(int op);

  std::string root_;
  std::unique_ptr<Db> db_;
};

// Makes <area>/<name>.blob and <area>/<name>/diff and has `fill` write the blob and
// unpack the tree into them (one of the archive/layer.h pipelines).
using StageFn = std::function<Result<archive::LayerInfo>(archive::Writer& blob, int diff_fd)>;
Result<StagedLayer> stage_layer(const TempArea& area, std::string_view name, const StageFn& fill);

// Stages a layer blob read from `in`: copied raw and unpacked in one pass.
Result<StagedLayer> stage_layer_blob(archive::Reader& in, const TempArea& area,
                                     std::string_view name);

// The default root: $STRATA_ROOT or /var/lib/strata.
std::string default_root();

}  // namespace strata::store
