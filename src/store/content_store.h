// SPDX-License-Identifier: Apache-2.0
// The content store owns ingest: every blob and layer enters the store through an
// Ingest, under a lease, in four steps:
//   1. write: a ContentWriter hashes what it writes into the lease's tmp/<id>/ (on a
//      helper thread, so that a layer blob's copy overlaps its extraction); a layer is
//      unpacked beside its blob;
//   2. finish: the digest and size are checked against what the descriptor promised
//      (kCorrupt on a mismatch: nothing is placed);
//   3. place: one syncfs flushes everything written, then one transaction records each
//      item with the lease and renames it into blobs/ or layers/ (plus a short link in
//      l/); a copy the database already names is kept, anything else found there (the
//      leftover of a crash, perhaps torn) is replaced, never adopted;
//   4. commit: a transaction names the placed items in image rows; then the lease goes.
// Garbage collection never removes what a live lease holds (store/lease.h).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "archive/layer.h"
#include "archive/stream.h"
#include "oci/digest.h"
#include "store/env.h"
#include "store/lease.h"

namespace strata::store {

class Store;
struct ImageRecord;
struct NewImage;

// What a blob must be, from its descriptor; unset fields are not checked.
struct Expected {
  std::optional<oci::Digest> digest;
  std::optional<int64_t> size;
};

// A blob written under a lease and hashed while it was written.
struct StagedBlob {
  std::string path;  // in the lease's directory
  oci::Digest digest;
  int64_t size = 0;
};

// A layer unpacked under a lease, beside its blob.
struct StagedLayer {
  archive::LayerInfo info;
  StagedBlob blob;
  std::string dir;   // holds diff/
  std::string link;  // l/<link>, set by Ingest::place
};

// Writes one blob to a file, hashing every byte. Not thread-safe; its helper thread is
// its own business.
class ContentWriter : public archive::DigestingWriter {
 public:
  ContentWriter(Env& env, UniqueFd fd, std::string path);
  ~ContentWriter() override;
  ContentWriter(const ContentWriter&) = delete;
  ContentWriter& operator=(const ContentWriter&) = delete;

  Result<void> write(std::span<const uint8_t> data) override;
  // Writes out what is buffered and stops the helper.
  Result<void> close() override;
  Result<archive::WrittenDigest> close_digest() override;
  // Closes, then checks the digest and size against `want`: kCorrupt names both.
  Result<StagedBlob> finish(const Expected& want = {});

 private:
  using Chunk = std::vector<uint8_t>;
  Result<void> push(Chunk chunk);
  void consume(const Chunk& chunk);
  void run_helper();
  void drain_queue();

  Env& env_;
  UniqueFd fd_;
  std::string path_;
  oci::Sha256 hash_;
  std::optional<oci::Digest> digest_;  // hash_'s result, once closed
  uint64_t size_ = 0;
  Chunk current_;
  bool closed_ = false;
  std::optional<Error> error_;  // the first write error (guarded by mu_ once threaded)
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Chunk> queue_;
  bool stop_ = false;
  bool out_of_memory_ = false;  // the helper stopped on std::bad_alloc
  std::thread helper_;
};

// Fills a staged layer: writes the blob to `blob` and unpacks the tree into diff_fd.
// `limits` are the store's (Store::layer_limits): the pipeline must unpack within them.
using StageFn = std::function<Result<archive::LayerInfo>(archive::Writer& blob, int diff_fd,
                                                         const archive::ExtractLimits& limits)>;

class Ingest {
 public:
  // Takes a lease; `purpose` ("import", "load") is recorded with it.
  static Result<Ingest> begin(Store& store, std::string_view purpose);

  // A writer for one blob in the lease's directory. An expected size that is negative
  // or over oci::kMaxBlobBytes is refused before anything is written.
  Result<std::unique_ptr<ContentWriter>> write_blob(const Expected& want = {});
  // Writes `data` as one blob and checks it.
  Result<StagedBlob> stage_bytes(std::string_view data, const Expected& want = {});
  // Unpacks a layer with `fill` (one of the archive/layer.h pipelines) within the
  // store's layer limits.
  Result<StagedLayer> stage_layer(const StageFn& fill);
  // Stages a layer blob read from `in`: copied raw and unpacked in one pass.
  Result<StagedLayer> stage_layer_blob(archive::Reader& in);

  // Step 3 for all of them at once: one syncfs, one transaction. Sets each layer's link.
  Result<void> place(const std::vector<const StagedBlob*>& blobs,
                     const std::vector<StagedLayer*>& layers);
  // Step 4: records the images, in one transaction. Every blob and layer they name must
  // be in the store (named already, or placed under this lease).
  Result<std::vector<ImageRecord>> commit(const std::vector<NewImage>& images);
  // Ends the ingest: the lease, its directory and whatever is left in it go (a failure
  // to remove them is logged: they are reclaimed later).
  void finish();

  // Undoes what place() did that nothing else names or holds; the destructor calls it
  // for an ingest that did not finish().
  Result<void> abort();

  Ingest(Ingest&&) noexcept = default;
  ~Ingest();
  const Lease& lease() const { return lease_; }

 private:
  // A rename or symlink of the running place() call, to be undone if it fails.
  struct Placed {
    enum Kind { kMoved, kExchanged, kLinked } kind;
    std::string from, to;
  };
  Ingest(Store& store, Lease lease) : store_(&store), lease_(std::move(lease)) {}
  std::string next_name();
  Result<void> place_all(const std::vector<const StagedBlob*>& blobs,
                         const std::vector<StagedLayer*>& layers);
  Result<void> place_blob(const StagedBlob& b);
  Result<void> place_layer(StagedLayer& l);
  void undo_placed();
  Result<void> hold(std::string_view kind, std::string_view key);

  Store* store_;
  Lease lease_;
  int next_ = 0;
  bool done_ = false;
  std::vector<Placed> placed_;
};

}  // namespace strata::store
