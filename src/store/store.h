// SPDX-License-Identifier: Apache-2.0
// The image store: content-addressed blobs, layers unpacked once each, and image
// metadata in SQLite. Layout (docs/ARCHITECTURE.md "On disk"):
//   strata.db  blobs/sha256/<hex>  layers/<diffid-hex>/diff  l/<link> -> ../layers/<hex>/diff
//   tmp/<lease>/ tmp/<lease>.lock
// Crash rule: files are written under a lease's tmp/ directory, flushed, renamed into
// place, and only then named by a committed transaction; the database never names a file
// that is not there. Concurrency rule: no store-wide lock. Images and refs name what they
// use, leases protect work in progress (store/lease.h), and collect_garbage() decides in
// one transaction what nothing names, moves it into its own lease's directory and only
// then deletes it. Every method is for one thread; many processes may share a store.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "oci/image_config.h"
#include "oci/manifest.h"
#include "oci/reference.h"
#include "store/content_store.h"
#include "store/db.h"
#include "store/env.h"
#include "store/lease.h"

namespace strata::store {

struct LayerRecord {
  oci::Digest diff_id;
  oci::Digest blob_digest;
  std::string media_type;
  int64_t blob_size = 0;
  int64_t diff_size = 0;
  int64_t unpacked_size = 0;
  std::string link;  // short name in l/; empty for a layer of a v1 store not yet given one
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

// What a new image is made of; its blobs and layers must be in the store (Ingest::place).
struct NewImage {
  std::string manifest;  // bytes, as stored
  std::string config;    // bytes, as stored
  std::vector<LayerRecord> layers;
  std::vector<oci::Reference> tags;
};

// What a reference (a container, a build cache entry, an upload) keeps alive.
enum class RefTarget { kImage, kLayer, kBlob };

struct RemoveResult {
  std::vector<std::string> untagged;  // familiar names
  std::optional<oci::Digest> deleted;
};

struct PruneResult {
  std::vector<std::string> untagged;  // familiar names
  std::vector<oci::Digest> deleted;
};

struct GcStats {
  uint64_t blobs = 0, layers = 0, links = 0, temps = 0, bytes = 0;
};

class Store {
 public:
  // Opens (creating) the store at root. All file operations go through env.
  static Result<std::unique_ptr<Store>> open(const std::string& root, Env& env = Env::real());

  const std::string& root() const { return root_; }
  Env& env() { return env_; }
  Db& db() { return *db_; }
  std::string blob_path(const oci::Digest& d) const;
  std::string layer_home(const oci::Digest& diff_id) const;  // layers/<hex>
  std::string layer_dir(const oci::Digest& diff_id) const;   // layers/<hex>/diff
  std::string tmp_dir() const { return root_ + "/tmp"; }

  // What one layer may expand to when it is unpacked (archive/tar.h ExtractLimits; the
  // zero values mean the defaults tied to the store's free space and inodes). The
  // `strata` command sets them from --max-layer-size / STRATA_MAX_LAYER_SIZE.
  const archive::ExtractLimits& layer_limits() const { return layer_limits_; }
  void set_layer_limits(const archive::ExtractLimits& l) { layer_limits_ = l; }

  // A lease for work in progress (store/lease.h); ttl_seconds 0: no expiry.
  Result<Lease> begin_lease(std::string_view purpose, int64_t ttl_seconds = 0);

  Result<bool> has_blob(const oci::Digest& d) const;
  // Reads a blob and checks it against its digest (kCorrupt if it changed on disk).
  Result<std::string> read_blob(const oci::Digest& d, size_t max_bytes = 32 << 20) const;

  // The layer's short name relative to the root, "l/<12 base32 chars>": a symlink to
  // its diff directory. Lowerdir lists for overlay use these (with the root as working
  // directory): 200 of them and their separators take 2999 bytes. kNotFound if no
  // image has the layer.
  Result<std::string> layer_link(const oci::Digest& diff_id);

  // Images.
  Result<std::vector<ImageRecord>> list_images();
  // Resolves a name the way Docker does: a tag reference, name@digest, a full image ID
  // ("sha256:<hex>") or an unambiguous ID prefix. kNotFound names the reference.
  Result<ImageRecord> resolve(std::string_view name);
  Result<ImageRecord> get_image(const oci::Digest& id);
  Result<oci::ImageConfig> load_config(const ImageRecord& img);
  Result<oci::Manifest> load_manifest(const ImageRecord& img);
  // Tags the image `source` names, checking in the inserting transaction that it still
  // exists (kNotFound "no such image: <source>" if it went meanwhile).
  Result<void> tag(std::string_view source, const oci::Reference& target);
  // `rmi`: by tag removes that tag, and the image with its last one; by ID removes an
  // image (with several tags only if force). One transaction: it deletes only the
  // tags it found, and the image only if no tag or reference is left. Files go at the
  // next collect_garbage().
  Result<RemoveResult> remove_image(std::string_view name, bool force);
  // `image prune`: dangling images (no tag), or with all every image no reference holds;
  // listed and deleted in one transaction.
  Result<PruneResult> prune_images(bool all);

  // References (rows in `refs`): `kind` says who holds them ("container"), `owner`
  // which one. Referenced images are not pruned or removed; referenced layers and blobs
  // are not collected.
  Result<void> add_ref(std::string_view kind, std::string_view owner, RefTarget target_kind,
                       std::string_view target);
  Result<void> remove_refs(std::string_view kind, std::string_view owner);
  // add_ref inside a transaction the caller holds (so that a container's row and its
  // ref on the image commit together).
  Result<void> insert_ref(std::string_view kind, std::string_view owner, RefTarget target_kind,
                          std::string_view target);

  // Removes every blob, layer, link and tmp/ entry that no image, reference or live lease
  // holds, and reclaims dead leases. On failure before its transaction commits nothing
  // has changed (what was moved is moved back).
  Result<GcStats> collect_garbage();

 private:
  friend class Ingest;
  Store(std::string root, Env& env, std::unique_ptr<Db> db)
      : root_(std::move(root)), env_(env), db_(std::move(db)) {}
  Result<std::vector<LayerRecord>> image_layers(const oci::Digest& id);
  Result<std::vector<std::string>> image_tags(const oci::Digest& id);
  Result<ImageRecord> load_image_row(Stmt& st);
  Result<std::optional<std::string>> image_user(const oci::Digest& id);
  Result<void> delete_image_rows(const oci::Digest& id);
  // Links: a fresh unused name with its symlink; and the symlink for a known name (true
  // if it had to be made).
  Result<std::string> new_link(const oci::Digest& diff_id);
  Result<bool> ensure_link(const oci::Digest& diff_id, const std::string& name);
  // Ingest::commit: the rows of images whose files are in place, in one transaction.
  Result<std::vector<ImageRecord>> record_images(const std::vector<NewImage>& images, Lease& lease);
  Result<void> insert_image(const NewImage& img, const Lease& lease, int64_t now);
  Result<void> check_in_store(const Lease& lease, std::string_view kind, const oci::Digest& d);

  std::string root_;
  archive::ExtractLimits layer_limits_;
  Env& env_;
  std::unique_ptr<Db> db_;
};

// The default root: $STRATA_ROOT or /var/lib/strata.
std::string default_root();

}  // namespace strata::store
