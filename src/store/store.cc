// SPDX-License-Identifier: Apache-2.0
#include "store/store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <random>
#include <set>

#include "archive/stream.h"
#include "oci/media_types.h"
#include "sys/fs.h"
#include "util/defer.h"
#include "util/log.h"
#include "util/strings.h"

namespace strata::store {

std::string default_root() {
  const char* env = std::getenv("STRATA_ROOT");
  return env && *env ? env : "/var/lib/strata";
}

int64_t ImageRecord::size() const {
  int64_t total = 0;
  for (const auto& l : layers) total += l.unpacked_size;
  return total;
}

TempArea::~TempArea() {
  if (path_.empty()) return;
  auto r = sys::remove_all(path_);
  // Swallowed: a leftover is reclaimed by the next prune.
  if (!r.ok()) log::warn("remove temp area: {}", r.error().message());
}

Result<std::unique_ptr<Store>> Store::open(const std::string& root) {
  for (const char* sub : {"", "/blobs/sha256", "/layers", "/tmp"})
    TRY_CTX(sys::mkdir_p(root + sub, 0700), "open store `{}`", root);
  auto db = TRY_CTX(Db::open(root + "/strata.db"), "open store `{}`", root);
  return std::unique_ptr<Store>(new Store(root, std::move(db)));
}

std::string Store::blob_path(const oci::Digest& d) const {
  return root_ + "/blobs/sha256/" + d.hex();
}

std::string Store::layer_dir(const oci::Digest& diff_id) const {
  return root_ + "/layers/" + diff_id.hex() + "/diff";
}

Result<UniqueFd> Store::lock(int op) {
  std::string path = root_ + "/store.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Error::from_errno(errno, fmt::format("open `{}`", path));
  UniqueFd guard(fd);
  while (::flock(fd, op) < 0) {
    if (errno != EINTR) return Error::from_errno(errno, fmt::format("lock `{}`", path));
  }
  return guard;
}

Result<UniqueFd> Store::lock_shared() { return lock(LOCK_SH); }
Result<UniqueFd> Store::lock_exclusive() { return lock(LOCK_EX); }

Result<TempArea> Store::make_temp() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string path = fmt::format("{}/tmp/{}-{:012x}", root_, ::getpid(), rng() & 0xffffffffffff);
  if (::mkdir(path.c_str(), 0700) < 0)
    return Error::from_errno(errno, fmt::format("mkdir `{}`", path));
  return TempArea(path);
}

Result<bool> Store::has_blob(const oci::Digest& d) const { return sys::exists(blob_path(d)); }

Result<oci::Digest> Store::put_blob(std::string_view data,
                                    const std::optional<oci::Digest>& expect) {
  oci::Digest d = oci::Digest::of(data);
  if (expect && *expect != d)
    return Error::make(Errc::kCorrupt, fmt::format("blob digest mismatch: want {}, got {}",
                                                   expect->str(), d.str()));
  if (!TRY(has_blob(d))) TRY(sys::write_file_atomic(blob_path(d), data));
  return d;
}

Result<void> Store::place_blob(const std::string& tmp_path, const oci::Digest& d) {
  // Renaming over an existing blob is harmless: the content is the same by its digest.
  if (::rename(tmp_path.c_str(), blob_path(d).c_str()) < 0)
    return Error::from_errno(errno, fmt::format("place blob {}", d.str()));
  return {};
}

Result<std::string> Store::read_blob(const oci::Digest& d, size_t max_bytes) const {
  std::string data = TRY_CTX(sys::read_file(blob_path(d), max_bytes), "blob {}", d.str());
  if (oci::Digest::of(data) != d)
    return Error::make(Errc::kCorrupt,
                       fmt::format("blob {}: content does not match its digest", d.str()));
  return data;
}

Result<void> Store::place_layer(const StagedLayer& staged) {
  std::string dest = root_ + "/layers/" + staged.info.diff_id.hex();
  if (::rename(staged.dir.c_str(), dest.c_str()) == 0) return {};
  // Already there (unpacked by an earlier or concurrent ingest): keep that copy.
  if (errno == EEXIST || errno == ENOTEMPTY) return {};
  return Error::from_errno(errno, fmt::format("place layer {}", staged.info.diff_id.str()));
}

Result<StagedLayer> stage_layer(const TempArea& area, std::string_view name, const StageFn& fill) {
  StagedLayer s;
  s.dir = fmt::format("{}/{}", area.path(), name);
  s.blob_path = s.dir + ".blob";
  TRY(sys::mkdir_p(s.dir + "/diff", 0755));
  int fd = ::open(s.blob_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Error::from_errno(errno, fmt::format("create `{}`", s.blob_path));
  UniqueFd blob(fd);
  archive::FdWriter out(fd, s.blob_path);
  auto diff = TRY(sys::open_dir(s.dir + "/diff"));
  s.info = TRY(fill(out, diff.get()));
  return s;
}

Result<StagedLayer> stage_layer_blob(archive::Reader& in, const TempArea& area,
                                     std::string_view name) {
  return stage_layer(area, name, [&](archive::Writer& blob, int diff_fd) {
    return archive::unpack_layer_blob(in, &blob, diff_fd);
  });
}

namespace {

int64_t parse_created(const oci::ImageConfig& c) {
  int64_t t = 0;
  if (!c.created.empty()) parse_rfc3339(c.created, &t);
  return t;
}

// Flushes every file placed so far before the transaction that names them commits.
Result<void> sync_store(const std::string& root) {
  auto fd = TRY(sys::open_dir(root));
  if (::syncfs(fd.get()) < 0) return Error::from_errno(errno, fmt::format("syncfs `{}`", root));
  return {};
}

}  // namespace

Result<ImageRecord> Store::add_image(const NewImage& img) {
  oci::Manifest m = TRY(oci::parse_manifest(img.manifest));
  oci::ImageConfig c = TRY(oci::parse_image_config(img.config));
  oci::Digest config_digest = oci::Digest::of(img.config);
  if (m.config.digest != config_digest)
    return Error::make(Errc::kCorrupt, fmt::format("manifest names config {}, but the config is {}",
                                                   m.config.digest.str(), config_digest.str()));
  if (m.layers.size() != img.layers.size() || c.diff_ids.size() != img.layers.size())
    return Error::make(Errc::kCorrupt,
                       fmt::format("layer count mismatch: manifest {}, config {}, layers {}",
                                   m.layers.size(), c.diff_ids.size(), img.layers.size()));
  for (size_t i = 0; i < img.layers.size(); ++i) {
    const LayerRecord& l = img.layers[i];
    if (m.layers[i].digest != l.blob_digest)
      return Error::make(Errc::kCorrupt,
                         fmt::format("layer {}: manifest names blob {}, got {}", i,
                                     m.layers[i].digest.str(), l.blob_digest.str()));
    if (c.diff_ids[i] != l.diff_id)
      return Error::make(Errc::kCorrupt, fmt::format("layer {}: config names diff ID {}, got {}", i,
                                                     c.diff_ids[i].str(), l.diff_id.str()));
  }
  oci::Digest manifest_digest = TRY(put_blob(img.manifest));
  TRY(put_blob(img.config));
  TRY(sync_store(root_));

  int64_t now = static_cast<int64_t>(::time(nullptr));
  auto tx = TRY(db_->begin());
  auto put_blob_row = [&](const oci::Digest& d, int64_t size,
                          std::string_view type) -> Result<void> {
    auto st = TRY(
        db_->prepare("INSERT OR IGNORE INTO blobs (digest, size, media_type) VALUES (?, ?, ?)"));
    st.bind(1, d.str()).bind(2, size).bind(3, type);
    return st.run();
  };
  TRY(put_blob_row(manifest_digest, static_cast<int64_t>(img.manifest.size()),
                   m.media_type.empty() ? oci::media::kOciManifest : m.media_type));
  TRY(put_blob_row(config_digest, static_cast<int64_t>(img.config.size()), m.config.media_type));
  for (const auto& l : img.layers) {
    TRY(put_blob_row(l.blob_digest, l.blob_size, l.media_type));
    auto st =
        TRY(db_->prepare("INSERT OR IGNORE INTO layers (diff_id, diff_size, unpacked_size, "
                         "created) VALUES (?, ?, ?, ?)"));
    st.bind(1, l.diff_id.str()).bind(2, l.diff_size).bind(3, l.unpacked_size).bind(4, now);
    TRY(st.run());
  }
  auto exists = TRY(db_->prepare("SELECT 1 FROM images WHERE id = ?"));
  exists.bind(1, config_digest.str());
  if (!TRY(exists.step())) {
    auto st = TRY(db_->prepare(
        "INSERT INTO images (id, manifest_digest, created, added) VALUES (?, ?, ?, ?)"));
    st.bind(1, config_digest.str())
        .bind(2, manifest_digest.str())
        .bind(3, parse_created(c))
        .bind(4, now);
    TRY(st.run());
    for (size_t i = 0; i < img.layers.size(); ++i) {
      auto il = TRY(db_->prepare(
          "INSERT INTO image_layers (image_id, idx, diff_id, blob_digest) VALUES (?, ?, ?, ?)"));
      il.bind(1, config_digest.str()).bind(2, static_cast<int64_t>(i));
      il.bind(3, img.layers[i].diff_id.str()).bind(4, img.layers[i].blob_digest.str());
      TRY(il.run());
    }
  }
  for (const auto& t : img.tags) {
    auto st = TRY(db_->prepare("INSERT OR REPLACE INTO tags (name, image_id) VALUES (?, ?)"));
    st.bind(1, t.str()).bind(2, config_digest.str());
    TRY(st.run());
  }
  TRY(tx.commit());
  return get_image(config_digest);
}

Result<std::vector<LayerRecord>> Store::image_layers(const oci::Digest& id) {
  auto st = TRY(db_->prepare(
      "SELECT il.diff_id, il.blob_digest, b.media_type, b.size, l.diff_size, l.unpacked_size "
      "FROM image_layers il JOIN layers l ON l.diff_id = il.diff_id "
      "JOIN blobs b ON b.digest = il.blob_digest WHERE il.image_id = ? ORDER BY il.idx"));
  st.bind(1, id.str());
  std::vector<LayerRecord> out;
  while (TRY(st.step())) {
    LayerRecord l;
    l.diff_id = TRY(oci::Digest::parse(st.text(0)));
    l.blob_digest = TRY(oci::Digest::parse(st.text(1)));
    l.media_type = st.text(2);
    l.blob_size = st.integer(3);
    l.diff_size = st.integer(4);
    l.unpacked_size = st.integer(5);
    out.push_back(std::move(l));
  }
  return out;
}

Result<std::vector<std::string>> Store::image_tags(const oci::Digest& id) {
  auto st = TRY(db_->prepare("SELECT name FROM tags WHERE image_id = ? ORDER BY name"));
  st.bind(1, id.str());
  std::vector<std::string> out;
  while (TRY(st.step())) out.push_back(st.text(0));
  return out;
}

Result<ImageRecord> Store::load_image_row(Stmt& st) {
  ImageRecord r;
  r.id = TRY(oci::Digest::parse(st.text(0)));
  r.manifest_digest = TRY(oci::Digest::parse(st.text(1)));
  r.created = st.integer(2);
  r.added = st.integer(3);
  r.tags = TRY(image_tags(r.id));
  r.layers = TRY(image_layers(r.id));
  return r;
}

Result<ImageRecord> Store::get_image(const oci::Digest& id) {
  auto st =
      TRY(db_->prepare("SELECT id, manifest_digest, created, added FROM images WHERE id = ?"));
  st.bind(1, id.str());
  if (!TRY(st.step()))
    return Error::make(Errc::kNotFound, fmt::format("no such image: {}", id.str()));
  return load_image_row(st);
}

Result<std::vector<ImageRecord>> Store::list_images() {
  auto st =
      TRY(db_->prepare("SELECT id, manifest_digest, created, added FROM images ORDER BY created "
                       "DESC, added DESC, id"));
  std::vector<ImageRecord> out;
  while (TRY(st.step())) out.push_back(TRY(load_image_row(st)));
  return out;
}

Result<ImageRecord> Store::resolve(std::string_view name) {
  auto not_found = [&] {
    return Error::make(Errc::kNotFound, fmt::format("no such image: {}", name));
  };
  std::string_view hex = name;
  if (hex.starts_with("sha256:")) hex.remove_prefix(7);
  bool is_full_id = hex.size() == 64 && oci::is_hex(hex);
  if (!is_full_id || !name.starts_with("sha256:")) {
    auto ref = oci::parse_reference(name);
    if (ref.ok() && !is_full_id) {
      if (ref->digest) {
        auto st = TRY(db_->prepare("SELECT id FROM images WHERE manifest_digest = ?"));
        st.bind(1, ref->digest->str());
        if (TRY(st.step())) return get_image(TRY(oci::Digest::parse(st.text(0))));
      } else {
        auto st = TRY(db_->prepare("SELECT image_id FROM tags WHERE name = ?"));
        st.bind(1, ref->str());
        if (TRY(st.step())) return get_image(TRY(oci::Digest::parse(st.text(0))));
      }
    } else if (!ref.ok() && !oci::is_hex(hex)) {
      return std::move(ref).error();
    }
  }
  if (hex.empty() || !oci::is_hex(hex)) return not_found();
  auto st = TRY(db_->prepare("SELECT id FROM images WHERE substr(id, 8, ?) = ?"));
  st.bind(1, static_cast<int64_t>(hex.size())).bind(2, hex);
  if (!TRY(st.step())) return not_found();
  std::string id = st.text(0);
  if (TRY(st.step()))
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("image ID prefix \"{}\" is ambiguous", hex));
  return get_image(TRY(oci::Digest::parse(id)));
}

Result<oci::ImageConfig> Store::load_config(const ImageRecord& img) {
  std::string text = TRY(read_blob(img.id));
  return TRY_CTX(oci::parse_image_config(text), "image {}", img.id.short_str());
}

Result<oci::Manifest> Store::load_manifest(const ImageRecord& img) {
  std::string text = TRY(read_blob(img.manifest_digest));
  return TRY_CTX(oci::parse_manifest(text), "image {}", img.id.short_str());
}

Result<void> Store::tag(const oci::Digest& id, const oci::Reference& ref) {
  auto st = TRY(db_->prepare("INSERT OR REPLACE INTO tags (name, image_id) VALUES (?, ?)"));
  st.bind(1, ref.str()).bind(2, id.str());
  return st.run();
}

Result<bool> Store::untag(const oci::Reference& ref) {
  auto tx = TRY(db_->begin());
  auto st = TRY(db_->prepare("SELECT image_id FROM tags WHERE name = ?"));
  st.bind(1, ref.str());
  if (!TRY(st.step()))
    return Error::make(Errc::kNotFound, fmt::format("no such image: {}", ref.familiar()));
  std::string id = st.text(0);
  auto del = TRY(db_->prepare("DELETE FROM tags WHERE name = ?"));
  del.bind(1, ref.str());
  TRY(del.run());
  auto left = TRY(db_->prepare("SELECT count(*) FROM tags WHERE image_id = ?"));
  left.bind(1, id);
  TRY(left.step());
  bool none_left = left.integer(0) == 0;
  TRY(tx.commit());
  return none_left;
}

Result<void> Store::delete_image(const oci::Digest& id) {
  auto tx = TRY(db_->begin());
  for (const char* sql :
       {"DELETE FROM tags WHERE image_id = ?", "DELETE FROM image_layers WHERE image_id = ?",
        "DELETE FROM images WHERE id = ?"}) {
    auto st = TRY(db_->prepare(sql));
    st.bind(1, id.str());
    TRY(st.run());
  }
  TRY(db_->exec("DELETE FROM layers WHERE diff_id NOT IN (SELECT diff_id FROM image_layers)"));
  TRY(
      db_->exec("DELETE FROM blobs WHERE digest NOT IN (SELECT blob_digest FROM image_layers) "
                "AND digest NOT IN (SELECT id FROM images) AND digest NOT IN (SELECT "
                "manifest_digest FROM images)"));
  return tx.commit();
}

namespace {

Result<std::vector<std::string>> list_dir(const std::string& path) {
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return Error::from_errno(errno, fmt::format("opendir `{}`", path));
  Defer close_dir([&] { ::closedir(d); });
  std::vector<std::string> out;
  while (struct dirent* de = ::readdir(d)) {
    std::string n = de->d_name;
    if (n != "." && n != "..") out.push_back(n);
  }
  return out;
}

Result<std::set<std::string>> column_set(Db& db, const char* sql) {
  auto st = TRY(db.prepare(sql));
  std::set<std::string> out;
  while (TRY(st.step())) {
    std::string v = st.text(0);
    if (v.starts_with("sha256:")) v = v.substr(7);
    out.insert(v);
  }
  return out;
}

}  // namespace

Result<Store::SweepStats> Store::sweep() {
  SweepStats stats;
  auto blobs = TRY(column_set(*db_, "SELECT digest FROM blobs"));
  auto layers = TRY(column_set(*db_, "SELECT diff_id FROM layers"));
  std::string blob_dir = root_ + "/blobs/sha256";
  for (const auto& n : TRY(list_dir(blob_dir))) {
    if (blobs.count(n)) continue;
    struct stat st;
    if (::lstat((blob_dir + "/" + n).c_str(), &st) == 0)
      stats.bytes += static_cast<uint64_t>(st.st_size);
    TRY(sys::remove_all(blob_dir + "/" + n));
    ++stats.blobs;
  }
  for (const auto& n : TRY(list_dir(root_ + "/layers"))) {
    if (layers.count(n)) continue;
    std::string p = root_ + "/layers/" + n;
    auto size = sys::tree_size(p);
    if (size.ok()) stats.bytes += size.value();
    TRY(sys::remove_all(p));
    ++stats.layers;
  }
  // With the exclusive lock held no ingest is running: everything in tmp/ is left over.
  for (const auto& n : TRY(list_dir(root_ + "/tmp"))) {
    TRY(sys::remove_all(root_ + "/tmp/" + n));
    ++stats.temps;
  }
  return stats;
}

}  // namespace strata::store
