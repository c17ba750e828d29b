// SPDX-License-Identifier: Apache-2.0
// Volume rows and directories: create, get, list, remove, prune, and the uses containers
// hold (volumes.h).
#include "container/volumes.h"

#include <sys/stat.h>

#include "sys/fs.h"
#include "util/log.h"
#include "util/strings.h"

namespace strata::container {

namespace {

constexpr const char* kColumns = "SELECT name, driver, created, labels, anonymous FROM volumes";

oci::Json labels_json(const std::map<std::string, std::string>& labels) {
  oci::Json j = oci::Json::object();
  for (const auto& [k, v] : labels) j[k] = v;
  return j;
}

}  // namespace

std::string Volumes::data_dir(const std::string& name) const {
  return store_.root() + "/volumes/" + name + "/_data";
}

Result<Volume> Volumes::load_row(store::Stmt& st) {
  Volume v;
  v.name = st.text(0);
  v.driver = st.text(1);
  v.created_ns = st.integer(2);
  oci::Json labels = TRY(oci::parse_json(st.text(3), "volume labels"));
  for (const auto& item : labels.items())
    v.labels[item.key()] = TRY(oci::get_string(labels, item.key()));
  v.anonymous = st.integer(4) != 0;
  v.mountpoint = data_dir(v.name);
  return v;
}

Result<bool> Volumes::ensure_in_tx(const std::string& name, bool anonymous,
                                   const std::map<std::string, std::string>& labels) {
  if (TRY(store_.db().query_text("SELECT name FROM volumes WHERE name = ?", name))) return false;
  // No row: whatever directory has this name is a leftover of a crash; the volume
  // starts empty. The transaction serialises this with every other creator.
  std::string home = store_.root() + "/volumes/" + name;
  TRY(sys::remove_all(home));
  TRY(sys::mkdir_p(store_.root() + "/volumes", 0701));
  TRY(sys::mkdir_p(home + "/_data", 0755));
  std::map<std::string, std::string> all = labels;
  if (anonymous) all[kAnonymousLabel] = "";
  auto st =
      TRY(store_.db().prepare("INSERT INTO volumes (name, driver, created, labels, anonymous) "
                              "VALUES (?, 'local', ?, ?, ?)"));
  st.bind(1, name).bind(2, realtime_ns()).bind(3, oci::dump_json(labels_json(all)));
  st.bind(4, static_cast<int64_t>(anonymous ? 1 : 0));
  TRY(st.run());
  return true;
}

Result<void> Volumes::add_use_in_tx(const std::string& name, const std::string& container_id) {
  auto st = TRY(
      store_.db().prepare("INSERT OR IGNORE INTO volume_uses (volume, container) VALUES (?, ?)"));
  st.bind(1, name).bind(2, container_id);
  return st.run();
}

Result<std::vector<std::string>> Volumes::release_in_tx(const std::string& container_id,
                                                        bool remove_anonymous) {
  std::vector<std::string> used;
  {
    auto st = TRY(store_.db().prepare("SELECT volume FROM volume_uses WHERE container = ?"));
    st.bind(1, container_id);
    while (TRY(st.step())) used.push_back(st.text(0));
  }
  TRY(store_.db().exec("DELETE FROM volume_uses WHERE container = ?", container_id));
  std::vector<std::string> removed;
  if (!remove_anonymous) return removed;
  for (const auto& name : used) {
    auto st = TRY(
        store_.db().prepare("DELETE FROM volumes WHERE name = ? AND anonymous = 1 AND NOT EXISTS "
                            "(SELECT 1 FROM volume_uses WHERE volume = ?)"));
    st.bind(1, name).bind(2, name);
    TRY(st.run());
    if (store_.db().changes() > 0) removed.push_back(name);
  }
  return removed;
}

void Volumes::remove_dirs(const std::vector<std::string>& names) {
  for (const auto& name : names) {
    // The row is gone: a directory left here is cleared when the name is next created.
    if (auto r = sys::remove_all(store_.root() + "/volumes/" + name); !r.ok())
      log::warn("remove volume {}: {}", name, r.error().message());
  }
}

Result<Volume> Volumes::create(const std::string& name,
                               const std::map<std::string, std::string>& labels) {
  TRY(check_volume_name(name));
  auto tx = TRY(store_.db().begin());
  TRY(ensure_in_tx(name, false, labels));
  TRY(tx.commit());
  return get(name);
}

Result<Volume> Volumes::get(const std::string& name) {
  auto st = TRY(store_.db().prepare(fmt::format("{} WHERE name = ?", kColumns)));
  st.bind(1, name);
  if (!TRY(st.step()))
    return Error::make(Errc::kNotFound, fmt::format("get {}: no such volume", printable(name)));
  return load_row(st);
}

Result<std::vector<Volume>> Volumes::list() {
  auto st = TRY(store_.db().prepare(fmt::format("{} ORDER BY name", kColumns)));
  std::vector<Volume> out;
  while (TRY(st.step())) out.push_back(TRY(load_row(st)));
  return out;
}

Result<std::vector<std::string>> Volumes::users(const std::string& name) {
  auto st = TRY(
      store_.db().prepare("SELECT container FROM volume_uses WHERE volume = ? ORDER BY container"));
  st.bind(1, name);
  std::vector<std::string> out;
  while (TRY(st.step())) out.push_back(st.text(0));
  return out;
}

Result<void> Volumes::remove(const std::string& name) {
  auto tx = TRY(store_.db().begin());
  TRY(get(name));
  auto ids = TRY(users(name));
  if (!ids.empty()) {
    std::string list;
    for (const auto& id : ids) list += (list.empty() ? "" : ", ") + id;
    return Error::make(Errc::kExists,
                       fmt::format("remove {}: volume is in use - [{}]", printable(name), list));
  }
  TRY(store_.db().exec("DELETE FROM volumes WHERE name = ?", name));
  TRY(tx.commit());
  remove_dirs({name});
  return {};
}

Result<std::pair<std::vector<std::string>, uint64_t>> Volumes::prune(bool all) {
  auto tx = TRY(store_.db().begin());
  std::vector<std::string> names;
  {
    auto st = TRY(store_.db().prepare(
        fmt::format("SELECT name FROM volumes WHERE {} NOT EXISTS (SELECT 1 FROM volume_uses WHERE "
                    "volume = volumes.name) ORDER BY name",
                    all ? "" : "anonymous = 1 AND")));
    while (TRY(st.step())) names.push_back(st.text(0));
  }
  uint64_t bytes = 0;
  for (const auto& name : names) {
    if (auto size = sys::tree_size(data_dir(name)); size.ok()) bytes += *size;
    TRY(store_.db().exec("DELETE FROM volumes WHERE name = ?", name));
  }
  TRY(tx.commit());
  remove_dirs(names);
  return std::pair{names, bytes};
}

}  // namespace strata::container
