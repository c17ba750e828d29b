// SPDX-License-Identifier: Apache-2.0
#include "container/prune.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include <functional>

#include "container/fs.h"
#include "snapshot/snapshot.h"
#include "sys/fs.h"
#include "util/strings.h"

namespace strata::container {

Result<uint64_t> rw_size(Engine& engine, const Container& c) {
  if (TRY(driver_of(c)) == snapshot::Driver::kVfs) return TRY(vfs_changes(engine, c)).bytes;
  return sys::tree_size(engine.dir(c) + "/upper");
}

Result<PrunedContainers> prune_containers(Engine& engine) {
  PrunedContainers out;
  for (auto& c : TRY(engine.list())) {
    if (c.state.running()) continue;
    auto measured = rw_size(engine, c);
    uint64_t size = measured.ok() ? *measured : 0;  // an unreadable layer still goes
    auto r = engine.remove(c, false);
    if (!r.ok()) {
      if (r.error().code() == Errc::kExists) continue;  // started meanwhile
      return std::move(r).error();
    }
    out.deleted.push_back(c.id);
    out.bytes += size;
  }
  return out;
}

namespace {

// The directories under ROOT/<kind>/ older than kLeftoverAgeSeconds whose name `row_sql`
// (one `?`) does not find; `release` runs on each before it is removed. The bytes they held.
Result<uint64_t> prune_orphans(store::Store& store, const std::string& kind, const char* row_sql,
                               const std::function<Result<void>(const std::string&)>& release) {
  std::string dir = store.root() + "/" + kind;
  if (!sys::exists(dir)) return 0;
  auto root = TRY(sys::open_dir(dir));
  std::vector<std::string> names;
  sys::WalkVisitor v;
  v.enter = [&](const sys::WalkEntry& w) -> Result<bool> {
    names.push_back(w.name);
    return false;  // only the top level
  };
  TRY(sys::walk_tree(root.get(), v));
  int64_t now = ::time(nullptr);
  uint64_t bytes = 0;
  for (const auto& n : names) {
    struct stat st;
    if (::fstatat(root.get(), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) continue;  // gone
    if (now - st.st_mtime < kLeftoverAgeSeconds) continue;
    if (TRY(store.db().query_text(row_sql, n))) continue;
    std::string path = dir + "/" + n;
    if (auto size = sys::tree_size(path); size.ok()) bytes += *size;
    if (release) TRY(release(path));
    TRY(sys::remove_all(path));
  }
  return bytes;
}

}  // namespace

Result<uint64_t> prune_leftovers(Engine& engine) {
  uint64_t containers =
      TRY(prune_orphans(engine.store(), "containers", "SELECT id FROM containers WHERE id = ?",
                        [](const std::string& path) -> Result<void> {
                          return snapshot::unmount(path + "/merged");  // a crash's, if any
                        }));
  // A volume's directory is made before its row commits, and an anonymous one's is
  // removed after its row goes: a kill between leaves a directory whose random name is
  // never created again.
  uint64_t volumes = TRY(prune_orphans(engine.store(), "volumes",
                                       "SELECT name FROM volumes WHERE name = ?", nullptr));
  return containers + volumes;
}

}  // namespace strata::container
