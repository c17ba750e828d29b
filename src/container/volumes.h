// SPDX-License-Identifier: Apache-2.0
// Volumes: directories the store keeps apart from any container, ROOT/volumes/<name>/_data,
// with a row each in the `volumes` table (driver local, labels, created, anonymous) and a
// row in `volume_uses` for each container that mounts one, so that a volume in use is
// never removed. Crash rule: a volume's directory is made before its row commits (the
// database never names a missing directory); a directory with no row is a leftover, cleared
// when a volume of that name is next created, inside the creating transaction.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "container/container.h"
#include "container/mounts.h"
#include "snapshot/snapshot.h"
#include "store/store.h"
#include "util/result.h"

namespace strata::container {

struct Volume {
  std::string name;
  std::string driver = "local";
  int64_t created_ns = 0;
  std::map<std::string, std::string> labels;
  bool anonymous = false;
  std::string mountpoint;  // ROOT/volumes/<name>/_data
};

// Docker's label on the anonymous volumes it makes (Docker 23+ prunes only those).
inline constexpr const char* kAnonymousLabel = "com.docker.volume.anonymous";

class Volumes {
 public:
  explicit Volumes(store::Store& store) : store_(store) {}

  std::string data_dir(const std::string& name) const;
  // `volume create`: an existing volume of that name is returned as it is (as Docker).
  Result<Volume> create(const std::string& name, const std::map<std::string, std::string>& labels);
  // kNotFound: "get NAME: no such volume".
  Result<Volume> get(const std::string& name);
  Result<std::vector<Volume>> list();
  // IDs of the containers using the volume.
  Result<std::vector<std::string>> users(const std::string& name);
  // kExists when in use: "remove NAME: volume is in use - [ID, ...]"; kNotFound if none.
  Result<void> remove(const std::string& name);
  // Removes the unused volumes (anonymous ones only unless `all`); the names and bytes.
  Result<std::pair<std::vector<std::string>, uint64_t>> prune(bool all);

  // Inside a write transaction the caller holds: makes the volume if it has no row (true)
  // or finds it (false).
  Result<bool> ensure_in_tx(const std::string& name, bool anonymous,
                            const std::map<std::string, std::string>& labels = {});
  Result<void> add_use_in_tx(const std::string& name, const std::string& container_id);
  // Drops the container's uses; with remove_anonymous, deletes the rows of the anonymous
  // volumes no other container uses and returns their names (the caller removes their
  // directories with remove_dirs once it has committed).
  Result<std::vector<std::string>> release_in_tx(const std::string& container_id,
                                                 bool remove_anonymous);
  void remove_dirs(const std::vector<std::string>& names);

 private:
  Result<Volume> load_row(store::Stmt& st);
  store::Store& store_;
};

// What create() mounts, from the flags and the image's VOLUME entries, all checked
// before anything is made: what it records (Docker's HostConfig.Binds/Mounts/Tmpfs and
// Config.Volumes) and the mounts themselves.
struct MountPlan {
  std::vector<MountSpec> mounts;  // binds and volumes (anonymous ones named), tmpfs
  oci::Json binds = oci::Json::array(), host_mounts = oci::Json::array();
  oci::Json tmpfs = oci::Json::object(), config_volumes = oci::Json::object();
};
Result<MountPlan> plan_mounts(const Options& o, const std::vector<std::string>& image_volumes);

// Makes the -v host directories that are missing (Docker's rule; --mount refuses them).
Result<void> make_bind_sources(const MountPlan& plan);

// Inside the create transaction: the volumes made or found and their uses by c, with
// c.mounts filled in Docker's inspect shape. Returns the targets and data directories of
// the volumes that take a copy of the image's content: not nocopy, and used by no other
// container (copy_up then copies only into those still empty).
Result<std::vector<std::pair<std::string, std::string>>> attach_volumes(store::Store& store,
                                                                        Container& c,
                                                                        const MountPlan& plan);

// Docker's copy-up: each (target, data dir) gets what the image holds at target, with
// owners, modes and times, if its directory is empty. The container's root file system
// is the source: an overlay's (ROOT/<dir>/merged) is mounted for the copy and unmounted,
// a vfs copy is read as it is; target is resolved inside it fd-relative (a symlink in
// the image stays in the image).
Result<void> copy_up(store::Store& store, const snapshot::Layout& layout, snapshot::Driver driver,
                     const std::vector<std::pair<std::string, std::string>>& todo);

}  // namespace strata::container
