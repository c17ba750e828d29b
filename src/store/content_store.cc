// SPDX-License-Identifier: Apache-2.0
#include "store/content_store.h"

#include <fcntl.h>

#include <map>
#include <set>
#include <system_error>

#include "oci/manifest.h"
#include "store/store.h"
#include "store/store_internal.h"
#include "sys/fs.h"
#include "util/log.h"

namespace strata::store {

namespace {

constexpr size_t kChunkBytes = 1 << 20;
constexpr size_t kMaxQueuedChunks = 4;  // 4 MiB in flight at most

Error mismatch(std::string_view what, const std::string& want, const std::string& got) {
  return Error::make(Errc::kCorrupt,
                     fmt::format("blob {} mismatch: want {}, got {}", what, want, got));
}

}  // namespace

ContentWriter::ContentWriter(Env& env, UniqueFd fd, std::string path)
    : env_(env), fd_(std::move(fd)), path_(std::move(path)) {
  current_.reserve(kChunkBytes);
}

ContentWriter::~ContentWriter() {
  if (!helper_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  helper_.join();
}

void ContentWriter::consume(const Chunk& chunk) {
  hash_.update(chunk.data(), chunk.size());
  {
    std::lock_guard lock(mu_);
    if (error_) return;
  }
  auto r = env_.write(fd_.get(), chunk, path_);
  if (!r.ok()) {
    std::lock_guard lock(mu_);
    error_ = std::move(r).error();
  }
}

void ContentWriter::run_helper() {
  try {
    drain_queue();
  } catch (const std::bad_alloc&) {  // no exception may leave a thread
    {
      std::lock_guard lock(mu_);
      out_of_memory_ = true;
      queue_.clear();
    }
    cv_.notify_all();
  }
}

void ContentWriter::drain_queue() {
  while (true) {
    Chunk chunk;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !queue_.empty() || stop_; });
      if (queue_.empty()) return;
      chunk = std::move(queue_.front());
      queue_.pop_front();
    }
    cv_.notify_all();
    consume(chunk);
  }
}

Result<void> ContentWriter::push(Chunk chunk) {
  if (!helper_.joinable()) {
    // The helper hashes and writes while the caller goes on (a layer's extraction runs
    // on the other core). If no thread can be had, the caller does it itself.
    try {
      helper_ = std::thread([this] { run_helper(); });
    } catch (const std::system_error& e) {
      log::debug("content writer: no helper thread ({}): writing inline", e.what());
    }
  }
  if (!helper_.joinable()) {
    consume(chunk);
  } else {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return queue_.size() < kMaxQueuedChunks || error_ || out_of_memory_; });
    if (!out_of_memory_) queue_.push_back(std::move(chunk));
  }
  cv_.notify_all();
  std::lock_guard lock(mu_);
  if (out_of_memory_ && !error_)
    error_ = Error::make(Errc::kNoSpace, fmt::format("write `{}`: out of memory", path_));
  if (error_) return *error_;
  return {};
}

Result<void> ContentWriter::write(std::span<const uint8_t> data) {
  if (closed_) return Error::make(Errc::kInternal, fmt::format("write `{}`: closed", path_));
  size_ += data.size();
  while (!data.empty()) {
    size_t n = std::min(data.size(), kChunkBytes - current_.size());
    current_.insert(current_.end(), data.begin(), data.begin() + static_cast<ptrdiff_t>(n));
    data = data.subspan(n);
    if (current_.size() == kChunkBytes) {
      Chunk full;
      full.reserve(kChunkBytes);
      std::swap(full, current_);
      TRY(push(std::move(full)));
    }
  }
  return {};
}

Result<void> ContentWriter::close() {
  if (!closed_) {
    closed_ = true;
    if (helper_.joinable()) {
      if (!current_.empty()) (void)push(std::move(current_));  // its error is error_
      {
        std::lock_guard lock(mu_);
        stop_ = true;
      }
      cv_.notify_all();
      helper_.join();
    } else if (!current_.empty()) {
      consume(current_);
    }
    current_ = Chunk();
  }
  if (out_of_memory_ && !error_)
    error_ = Error::make(Errc::kNoSpace, fmt::format("write `{}`: out of memory", path_));
  if (error_) return *error_;
  return {};
}

Result<archive::WrittenDigest> ContentWriter::close_digest() {
  TRY(close());
  if (!digest_) digest_ = hash_.finish();
  return archive::WrittenDigest{*digest_, size_};
}

Result<StagedBlob> ContentWriter::finish(const Expected& want) {
  auto written = TRY(close_digest());
  fd_.reset();
  StagedBlob b{path_, written.digest, static_cast<int64_t>(written.bytes)};
  if (want.size && *want.size != b.size)
    return mismatch("size", fmt::format("{} bytes", *want.size), fmt::format("{} bytes", b.size));
  if (want.digest && *want.digest != b.digest)
    return mismatch("digest", want.digest->str(), b.digest.str());
  return b;
}

Result<Ingest> Ingest::begin(Store& store, std::string_view purpose) {
  Lease lease = TRY(store.begin_lease(purpose));
  return Ingest(store, std::move(lease));
}

std::string Ingest::next_name() { return fmt::format("{}/{}", lease_.dir(), next_++); }

Result<std::unique_ptr<ContentWriter>> Ingest::write_blob(const Expected& want) {
  if (want.size && (*want.size < 0 || *want.size > oci::kMaxBlobBytes))
    return Error::make(Errc::kCorrupt, fmt::format("blob size {}: want 0 to {} bytes", *want.size,
                                                   oci::kMaxBlobBytes));
  std::string path = next_name() + ".blob";
  UniqueFd fd = TRY(store_->env().open(path, O_WRONLY | O_CREAT | O_EXCL, 0644));
  return std::make_unique<ContentWriter>(store_->env(), std::move(fd), std::move(path));
}

Result<StagedBlob> Ingest::stage_bytes(std::string_view data, const Expected& want) {
  auto w = TRY(write_blob(want));
  TRY(w->write({reinterpret_cast<const uint8_t*>(data.data()), data.size()}));
  return w->finish(want);
}

Result<StagedLayer> Ingest::stage_layer(const StageFn& fill) {
  StagedLayer s;
  s.dir = next_name();
  TRY(store_->env().mkdir(s.dir, 0700));
  TRY(store_->env().mkdir(s.dir + "/diff", 0755));
  auto blob = TRY(write_blob());
  auto diff = TRY(sys::open_dir(s.dir + "/diff"));
  s.info = TRY(fill(*blob, diff.get(), store_->layer_limits()));
  s.blob = TRY(blob->finish());
  // Both hashed the same bytes: a difference is a bug, not bad input.
  if (s.blob.digest != s.info.blob_digest || static_cast<uint64_t>(s.blob.size) != s.info.blob_size)
    return Error::make(Errc::kInternal, fmt::format("layer blob {}: the writer got {}",
                                                    s.info.blob_digest.str(), s.blob.digest.str()));
  return s;
}

Result<StagedLayer> Ingest::stage_layer_blob(archive::Reader& in) {
  return stage_layer([&](archive::Writer& blob, int diff_fd, const archive::ExtractLimits& l) {
    return archive::unpack_layer_blob(in, &blob, diff_fd, l);
  });
}

Result<void> Ingest::hold(std::string_view kind, std::string_view key) {
  auto st = TRY(store_->db().prepare(
      "INSERT OR IGNORE INTO lease_resources (lease_id, kind, key) VALUES (?, ?, ?)"));
  st.bind(1, lease_.id()).bind(2, kind).bind(3, key);
  return st.run();
}

Result<void> Ingest::place_blob(const StagedBlob& b) {
  TRY(hold("blob", b.digest.hex()));
  std::string dest = store_->blob_path(b.digest);
  bool named =
      TRY(store_->db().query_text("SELECT digest FROM blobs WHERE digest = ?", b.digest.str()))
          .has_value();
  // A copy the database names was flushed before it was named: keep it. Anything else
  // there is a leftover nobody verified: ours replaces it (rename is atomic).
  if (named && sys::exists(dest)) return {};
  TRY(store_->env().rename(b.path, dest));
  placed_.push_back({Placed::kMoved, b.path, dest});
  return {};
}

Result<void> Ingest::place_layer(StagedLayer& l) {
  TRY(hold("layer", l.info.diff_id.hex()));
  std::string home = store_->layer_home(l.info.diff_id);
  auto row = TRY(store_->db().prepare("SELECT link FROM layers WHERE diff_id = ?"));
  row.bind(1, l.info.diff_id.str());
  bool named = TRY(row.step());
  std::string link = named && !row.is_null(0) ? row.text(0) : "";
  if (!named || !sys::exists(home + "/diff")) {
    // A directory there that no row names may be torn (a crash mid-unpack or
    // mid-delete): exchange it for ours, atomically; the old one leaves with the lease.
    bool there = sys::exists(home);
    TRY(store_->env().rename(l.dir, home, there ? RENAME_EXCHANGE : RENAME_NOREPLACE));
    placed_.push_back({there ? Placed::kExchanged : Placed::kMoved, l.dir, home});
  }
  if (link.empty()) {
    link = TRY(store_->new_link(l.info.diff_id));
    placed_.push_back({Placed::kLinked, "", store_->root() + "/l/" + link});
  } else if (TRY(store_->ensure_link(l.info.diff_id, link))) {
    placed_.push_back({Placed::kLinked, "", store_->root() + "/l/" + link});
  }
  // Held even when the row names it: should collection drop that row before this
  // ingest names the layer again, the link must survive.
  l.link = link;
  return hold("link", link);
}

void Ingest::undo_placed() {
  Env& env = store_->env();
  for (auto it = placed_.rbegin(); it != placed_.rend(); ++it) {
    auto r = it->kind == Placed::kLinked      ? env.unlink(it->to)
             : it->kind == Placed::kExchanged ? env.rename(it->from, it->to, RENAME_EXCHANGE)
                                              : env.rename(it->to, it->from);
    // Swallowed: the caller reports the error that started the undo; what could not be
    // taken back is unnamed and unheld, so the next collection removes it.
    if (!r.ok()) log::warn("undo placing `{}`: {}", it->to, r.error().message());
  }
  placed_.clear();
}

Result<void> Ingest::place_all(const std::vector<const StagedBlob*>& blobs,
                               const std::vector<StagedLayer*>& layers) {
  TRY(lease_.check_live());
  // A blob or a layer named twice (two images sharing it) is placed once.
  std::set<oci::Digest> blobs_done;
  std::map<oci::Digest, std::string> links;
  for (const StagedBlob* b : blobs)
    if (blobs_done.insert(b->digest).second) TRY(place_blob(*b));
  for (StagedLayer* l : layers) {
    if (blobs_done.insert(l->blob.digest).second) TRY(place_blob(l->blob));
    auto it = links.find(l->info.diff_id);
    if (it == links.end()) {
      TRY(place_layer(*l));
      links.emplace(l->info.diff_id, l->link);
    } else {
      l->link = it->second;
    }
  }
  return {};
}

Result<void> Ingest::place(const std::vector<const StagedBlob*>& blobs,
                           const std::vector<StagedLayer*>& layers) {
  // Everything written so far reaches the disk before any of it is renamed into place:
  // whatever a crash leaves under blobs/ or layers/ is then whole.
  TRY(store_->env().syncfs(store_->root()));
  {
    auto tx = TRY(store_->db().begin());
    placed_.clear();
    auto r = place_all(blobs, layers);
    if (r.ok()) r = tx.commit();
    if (!r.ok()) {
      undo_placed();  // still inside the transaction: nobody saw them
      return r;
    }
    placed_.clear();
  }
  // The renames themselves become durable before a transaction names what they placed.
  for (const char* dir : {"/blobs/sha256", "/layers", "/l"})
    TRY(store_->env().fsync_dir(store_->root() + dir));
  return {};
}

Result<std::vector<ImageRecord>> Ingest::commit(const std::vector<NewImage>& images) {
  return store_->record_images(images, lease_);
}

void Ingest::finish() {
  done_ = true;
  auto r = lease_.release();
  // Swallowed: the images are recorded; what is left is a dead lease once this process
  // exits, which the next collection reclaims.
  if (!r.ok()) log::warn("end ingest: {}", r.error().message());
}

// What this lease placed that nothing else names or holds goes back into its directory
// (and so away with it): a failed ingest leaves blobs/, layers/ and l/ as they were.
Result<void> Ingest::abort() {
  Db& db = store_->db();
  auto tx = TRY(db.begin());
  auto st = TRY(db.prepare(
      "SELECT r.kind, r.key FROM lease_resources r WHERE r.lease_id = ?1 "
      "AND NOT EXISTS (SELECT 1 FROM lease_resources o WHERE o.kind = r.kind AND o.key = r.key "
      "AND o.lease_id != ?1) "
      "AND NOT (r.kind = 'blob' AND EXISTS (SELECT 1 FROM blobs WHERE digest = 'sha256:' || "
      "r.key)) "
      "AND NOT (r.kind = 'layer' AND EXISTS (SELECT 1 FROM layers WHERE diff_id = 'sha256:' || "
      "r.key)) "
      "AND NOT (r.kind = 'link' AND EXISTS (SELECT 1 FROM layers WHERE link = r.key))"));
  st.bind(1, lease_.id());
  int n = 0;
  while (TRY(st.step())) {
    std::string kind = st.text(0), key = st.text(1);
    std::string path = kind == "blob"    ? store_->root() + "/blobs/sha256/" + key
                       : kind == "layer" ? store_->root() + "/layers/" + key
                                         : store_->root() + "/l/" + key;
    if (!sys::exists(path)) continue;
    TRY(store_->env().rename(path, fmt::format("{}/aborted-{}", lease_.dir(), n++),
                             RENAME_NOREPLACE));
  }
  TRY(db.exec("DELETE FROM lease_resources WHERE lease_id = ?", lease_.id()));
  return tx.commit();
}

Ingest::~Ingest() {
  if (done_ || !lease_.valid()) return;
  auto r = abort();
  // Swallowed: an ingest that failed reports its own error; what abort() could not take
  // back is unheld once the lease goes, and the next collection removes it.
  if (!r.ok()) log::warn("abort ingest: {}", r.error().message());
}

}  // namespace strata::store
