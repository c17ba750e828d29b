// SPDX-License-Identifier: Apache-2.0
#include "container/prune.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

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

Result<uint64_t> prune_leftovers(Engine& engine) {
  std::string dir = engine.store().root() + "/containers";
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
    auto row = TRY(engine.store().db().query_text("SELECT id FROM containers WHERE id = ?", n));
    if (row) continue;
    std::string path = dir + "/" + n;
    if (auto size = sys::tree_size(path); size.ok()) bytes += *size;
    TRY(snapshot::unmount(path + "/merged"));  // a mount a crash left, if any
    TRY(sys::remove_all(path));
  }
  return bytes;
}

}  // namespace strata::container
