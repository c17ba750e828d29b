// SPDX-License-Identifier: Apache-2.0
// Garbage collection: mark what images, references and live leases hold, and sweep the
// rest. One transaction deletes the rows nothing references and moves every file that
// nothing holds out of blobs/, layers/ and l/ into the collector's own lease directory;
// only after it commits are those files deleted. A crash mid-delete leaves them in a dead
// lease's directory, which the next collection removes: a half-deleted layer is never
// left where a later ingest could take it for whole.
#include <sys/stat.h>

#include "store/store.h"
#include "store/store_internal.h"
#include "sys/fs.h"
#include "util/log.h"

namespace strata::store {

namespace {

struct DeadLease {
  std::string id;
  UniqueFd lock;  // held while its directory is removed
};

struct Move {
  std::string from, to;
};

// What the database holds, as hex digests or link names.
constexpr const char* kNamedBlobs =
    "SELECT manifest_digest FROM images UNION SELECT id FROM images "
    "UNION SELECT blob_digest FROM image_layers "
    "UNION SELECT target FROM refs WHERE target_kind = 'blob'";
constexpr const char* kNamedLayers =
    "SELECT diff_id FROM image_layers UNION SELECT target FROM refs WHERE target_kind = 'layer'";

bool is_lock_name(const std::string& n) { return n.ends_with(".lock"); }

class Collector {
 public:
  Collector(Store& store, Lease& mine) : store_(store), db_(store.db()), mine_(mine) {}
  Result<void> find_dead_leases();
  Result<void> collect();  // one transaction
  void reclaim_temps();    // after it committed
  GcStats stats;

 private:
  Result<void> drop_lease_rows();
  Result<void> drop_unreferenced_rows();
  Result<void> move_unheld(const std::string& sub, const std::set<std::string>& keep,
                           uint64_t* count);
  void undo_moves();

  Store& store_;
  Db& db_;
  Lease& mine_;
  std::vector<DeadLease> dead_;
  std::vector<Move> moved_;
  std::set<std::string> dropped_;  // hex of the blob and layer rows dropped
};

Result<void> Collector::find_dead_leases() {
  std::set<std::string> ids = TRY(internal::column_set(db_, "SELECT id FROM leases"));
  for (const auto& n : TRY(internal::list_dir(store_.tmp_dir())))
    if (is_lock_name(n)) ids.insert(n.substr(0, n.size() - 5));
  ids.erase(mine_.id());
  for (const auto& id : ids) {
    LeaseProbe p = TRY(probe_lease(store_.tmp_dir() + "/" + id + ".lock"));
    if (p.state != LeaseState::kLive) dead_.push_back({id, std::move(p.lock)});
  }
  return {};
}

Result<void> Collector::drop_lease_rows() {
  for (const auto& d : dead_) TRY(db_.exec("DELETE FROM leases WHERE id = ?", d.id));
  // Expired leases lose what they hold even if their holder lives; its directory stays
  // for it to clean up, and its next step fails (Lease::check_live).
  auto st = TRY(db_.prepare("DELETE FROM leases WHERE expires > 0 AND expires < ?"));
  st.bind(1, internal::unix_now());
  return st.run();
}

// Rows of blobs and layers that no image or reference names go; what they weighed is
// what the collection reclaims (a live lease may still keep the file: then the row
// comes back when its ingest commits).
Result<void> Collector::drop_unreferenced_rows() {
  struct Table {
    const char *name, *key, *size, *named;
  };
  for (const Table& t : {Table{"blobs", "digest", "size", kNamedBlobs},
                         Table{"layers", "diff_id", "unpacked_size", kNamedLayers}}) {
    std::string where = fmt::format("FROM {} WHERE {} NOT IN ({})", t.name, t.key, t.named);
    auto st = TRY(db_.prepare(fmt::format("SELECT {}, {} {}", t.key, t.size, where)));
    while (TRY(st.step())) {
      dropped_.insert(st.text(0).substr(7));
      stats.bytes += static_cast<uint64_t>(st.integer(1));
    }
    TRY(db_.exec("DELETE " + where));
  }
  return {};
}

Result<void> Collector::move_unheld(const std::string& sub, const std::set<std::string>& keep,
                                    uint64_t* count) {
  std::string dir = store_.root() + "/" + sub;
  for (const auto& n : TRY(internal::list_dir(dir))) {
    if (keep.count(n)) continue;
    std::string from = dir + "/" + n;
    std::string to = fmt::format("{}/{}", mine_.dir(), moved_.size());
    struct stat st;
    // A leftover no row described: its own size (a directory's is not walked for it).
    if (!dropped_.count(n) && ::lstat(from.c_str(), &st) == 0 && S_ISREG(st.st_mode))
      stats.bytes += static_cast<uint64_t>(st.st_size);
    TRY(store_.env().rename(from, to, RENAME_NOREPLACE));
    moved_.push_back({from, to});
    ++*count;
  }
  return {};
}

void Collector::undo_moves() {
  for (auto it = moved_.rbegin(); it != moved_.rend(); ++it) {
    auto r = store_.env().rename(it->to, it->from, RENAME_NOREPLACE);
    // Swallowed: the caller's error is the one to report; this one is logged loudly
    // because the database still names what could not be put back.
    if (!r.ok())
      log::warn("garbage collection: could not put back `{}`: {}", it->from, r.error().message());
  }
  moved_.clear();
}

Result<void> Collector::collect() {
  auto tx = TRY(db_.begin());
  auto r = [&]() -> Result<void> {
    TRY(drop_lease_rows());
    TRY(drop_unreferenced_rows());
    auto blobs = TRY(internal::column_set(
        db_,
        fmt::format("{} UNION SELECT key FROM lease_resources WHERE kind = 'blob'", kNamedBlobs)
            .c_str()));
    auto layers = TRY(internal::column_set(
        db_,
        fmt::format("{} UNION SELECT key FROM lease_resources WHERE kind = 'layer'", kNamedLayers)
            .c_str()));
    auto links =
        TRY(internal::column_set(db_,
                                 "SELECT link FROM layers WHERE link IS NOT NULL "
                                 "UNION SELECT key FROM lease_resources WHERE kind = 'link'"));
    TRY(move_unheld("blobs/sha256", blobs, &stats.blobs));
    TRY(move_unheld("layers", layers, &stats.layers));
    TRY(move_unheld("l", links, &stats.links));
    return tx.commit();
  }();
  if (!r.ok()) undo_moves();
  return r;
}

void Collector::reclaim_temps() {
  Env& env = store_.env();
  auto remove = [&](const std::string& path) {
    auto r = env.remove_all(path);
    // Swallowed: a leftover in tmp/ is tried again by the next collection.
    if (!r.ok()) log::warn("garbage collection: {}", r.error().message());
    return r.ok();
  };
  for (auto& d : dead_) {
    std::string base = store_.tmp_dir() + "/" + d.id;
    if (remove(base) && remove(base + ".lock")) ++stats.temps;
  }
  auto names = internal::list_dir(store_.tmp_dir());
  if (!names.ok()) return;
  for (const auto& n : *names) {
    // A live lease made its lock before its directory and removes it after: a
    // directory without a lock belongs to nobody (or to an older strata's tmp/ layout).
    if (is_lock_name(n) || sys::exists(store_.tmp_dir() + "/" + n + ".lock")) continue;
    if (remove(store_.tmp_dir() + "/" + n)) ++stats.temps;
  }
}

}  // namespace

Result<GcStats> Store::collect_garbage() {
  Lease mine = TRY(begin_lease("gc"));
  Collector c(*this, mine);
  TRY(c.find_dead_leases());
  TRY(c.collect());
  c.reclaim_temps();
  auto r = mine.release();
  // Swallowed: what was moved is in a lease that is dead once we return.
  if (!r.ok()) log::warn("garbage collection: {}", r.error().message());
  return c.stats;
}

}  // namespace strata::store
