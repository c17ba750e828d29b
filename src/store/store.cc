// SPDX-License-Identifier: Apache-2.0
// Opening a store, reading blobs, layer links, and recording the images an ingest made.
#include "store/store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "oci/media_types.h"
#include "store/store_internal.h"
#include "sys/fs.h"
#include "util/strings.h"

namespace strata::store {

namespace {

// 12 base32 characters (60 random bits): "l/" + 12 + ":" per layer keeps a lowerdir
// list of 200 layers under 3000 bytes, well inside the page overlay's mount data gets
// (Docker's 26-character names fit only 128 layers).
constexpr size_t kLinkChars = 12;
constexpr int kLinkAttempts = 8;

}  // namespace

std::string default_root() {
  const char* env = std::getenv("STRATA_ROOT");
  return env && *env ? env : "/var/lib/strata";
}

int64_t ImageRecord::size() const {
  int64_t total = 0;
  for (const auto& l : layers) total += l.unpacked_size;
  return total;
}

Result<std::unique_ptr<Store>> Store::open(const std::string& root, Env& env) {
  for (const char* sub : {"", "/blobs", "/blobs/sha256", "/layers", "/l", "/tmp"}) {
    auto r = env.mkdir(root + sub, 0700);
    if (!r.ok() && r.error().code() != Errc::kExists) {
      if (*sub == '\0' && r.error().sys_errno() == ENOENT) {
        TRY_CTX(sys::mkdir_p(root, 0700), "open store `{}`", root);
        continue;
      }
      return std::move(r).error().context(fmt::format("open store `{}`", root));
    }
  }
  auto db = TRY_CTX(Db::open(root + "/strata.db", root + "/store.lock"), "open store `{}`", root);
  return std::unique_ptr<Store>(new Store(root, env, std::move(db)));
}

std::string Store::blob_path(const oci::Digest& d) const {
  return root_ + "/blobs/sha256/" + d.hex();
}

std::string Store::layer_home(const oci::Digest& diff_id) const {
  return root_ + "/layers/" + diff_id.hex();
}

std::string Store::layer_dir(const oci::Digest& diff_id) const {
  return layer_home(diff_id) + "/diff";
}

Result<bool> Store::has_blob(const oci::Digest& d) const { return sys::exists(blob_path(d)); }

Result<std::string> Store::read_blob(const oci::Digest& d, size_t max_bytes) const {
  std::string data = TRY_CTX(sys::read_file(blob_path(d), max_bytes), "blob {}", d.str());
  if (oci::Digest::of(data) != d)
    return Error::make(Errc::kCorrupt,
                       fmt::format("blob {}: content does not match its digest", d.str()));
  return data;
}

Result<std::string> Store::new_link(const oci::Digest& diff_id) {
  for (int i = 0; i < kLinkAttempts; ++i) {
    std::string name = internal::random_base32(kLinkChars);
    if (TRY(db_->query_text("SELECT link FROM layers WHERE link = ?", name))) continue;
    auto r = env_.symlink("../layers/" + diff_id.hex() + "/diff", root_ + "/l/" + name);
    if (!r.ok() && r.error().code() == Errc::kExists) continue;  // an unnamed leftover
    TRY(std::move(r));
    return name;
  }
  return Error::make(Errc::kInternal, "no free layer link name");
}

Result<bool> Store::ensure_link(const oci::Digest& diff_id, const std::string& name) {
  auto r = env_.symlink("../layers/" + diff_id.hex() + "/diff", root_ + "/l/" + name);
  if (r.ok()) return true;
  if (r.error().code() == Errc::kExists) return false;
  return std::move(r).error();
}

Result<std::string> Store::layer_link(const oci::Digest& diff_id) {
  auto row = TRY(db_->prepare("SELECT link FROM layers WHERE diff_id = ?"));
  row.bind(1, diff_id.str());
  if (!TRY(row.step()))
    return Error::make(Errc::kNotFound, fmt::format("no such layer: {}", diff_id.str()));
  if (!row.is_null(0)) return "l/" + row.text(0);
  // A layer from a v1 store: give it a link now, under the write lock.
  auto tx = TRY(db_->begin());
  auto again = TRY(db_->query_text("SELECT link FROM layers WHERE diff_id = ? AND link IS NOT NULL",
                                   diff_id.str()));
  if (again) return "l/" + *again;
  std::string name = TRY(new_link(diff_id));
  auto st = TRY(db_->prepare("UPDATE layers SET link = ? WHERE diff_id = ?"));
  st.bind(1, name).bind(2, diff_id.str());
  TRY(st.run());
  TRY(tx.commit());
  return "l/" + name;
}

namespace {

int64_t parse_created(const oci::ImageConfig& c) {
  int64_t t = 0;
  if (!c.created.empty()) parse_rfc3339(c.created, &t);
  return t;
}

// The manifest, the config and the layer list must agree before anything is recorded.
Result<void> check_image(const NewImage& img, const oci::Manifest& m, const oci::ImageConfig& c) {
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
  return {};
}

Result<void> insert_blob_row(Db& db, const oci::Digest& d, int64_t size, std::string_view type) {
  auto st =
      TRY(db.prepare("INSERT OR IGNORE INTO blobs (digest, size, media_type) VALUES (?, ?, ?)"));
  st.bind(1, d.str()).bind(2, size).bind(3, type);
  return st.run();
}

Result<void> insert_layer_row(Db& db, const LayerRecord& l, int64_t now) {
  auto st = TRY(
      db.prepare("INSERT OR IGNORE INTO layers (diff_id, diff_size, unpacked_size, created, link) "
                 "VALUES (?, ?, ?, ?, ?)"));
  st.bind(1, l.diff_id.str()).bind(2, l.diff_size).bind(3, l.unpacked_size).bind(4, now);
  if (l.link.empty()) {
    st.bind_null(5);
  } else {
    st.bind(5, l.link);
  }
  return st.run();
}

Result<void> insert_image_rows(Db& db, const oci::Digest& id, const oci::Digest& manifest,
                               const NewImage& img, int64_t created, int64_t now) {
  if (TRY(db.query_text("SELECT id FROM images WHERE id = ?", id.str()))) return {};
  auto st = TRY(
      db.prepare("INSERT INTO images (id, manifest_digest, created, added) VALUES (?, ?, ?, ?)"));
  st.bind(1, id.str()).bind(2, manifest.str()).bind(3, created).bind(4, now);
  TRY(st.run());
  for (size_t i = 0; i < img.layers.size(); ++i) {
    auto il = TRY(db.prepare(
        "INSERT INTO image_layers (image_id, idx, diff_id, blob_digest) VALUES (?, ?, ?, ?)"));
    il.bind(1, id.str()).bind(2, static_cast<int64_t>(i));
    il.bind(3, img.layers[i].diff_id.str()).bind(4, img.layers[i].blob_digest.str());
    TRY(il.run());
  }
  return {};
}

}  // namespace

Result<void> Store::check_in_store(const Lease& lease, std::string_view kind,
                                   const oci::Digest& d) {
  const char* named = kind == "blob" ? "SELECT 1 FROM blobs WHERE digest = ?1"
                                     : "SELECT 1 FROM layers WHERE diff_id = ?1";
  auto st = TRY(db_->prepare(fmt::format(
      "{} UNION SELECT 1 FROM lease_resources WHERE lease_id = ?2 AND kind = ?3 AND key = ?4",
      named)));
  st.bind(1, d.str()).bind(2, lease.id()).bind(3, kind).bind(4, d.hex());
  if (!TRY(st.step()))
    return Error::make(Errc::kInternal, fmt::format("{} {} is not in the store", kind, d.str()));
  return {};
}

Result<void> Store::insert_image(const NewImage& img, const Lease& lease, int64_t now) {
  oci::Manifest m = TRY(oci::parse_manifest(img.manifest));
  oci::ImageConfig c = TRY(oci::parse_image_config(img.config));
  TRY(check_image(img, m, c));
  oci::Digest id = oci::Digest::of(img.config);
  oci::Digest manifest_digest = oci::Digest::of(img.manifest);
  // The database never names a file that is not there: each is named already or was
  // placed under this lease (which collection has not reclaimed: checked by the caller).
  TRY(check_in_store(lease, "blob", manifest_digest));
  TRY(check_in_store(lease, "blob", id));
  for (const auto& l : img.layers) {
    TRY(check_in_store(lease, "blob", l.blob_digest));
    TRY(check_in_store(lease, "layer", l.diff_id));
  }
  TRY(insert_blob_row(*db_, manifest_digest, static_cast<int64_t>(img.manifest.size()),
                      m.media_type.empty() ? oci::media::kOciManifest : m.media_type));
  TRY(insert_blob_row(*db_, id, static_cast<int64_t>(img.config.size()), m.config.media_type));
  for (const auto& l : img.layers) {
    TRY(insert_blob_row(*db_, l.blob_digest, l.blob_size, l.media_type));
    TRY(insert_layer_row(*db_, l, now));
  }
  TRY(insert_image_rows(*db_, id, manifest_digest, img, parse_created(c), now));
  for (const auto& t : img.tags) {
    auto st = TRY(db_->prepare("INSERT OR REPLACE INTO tags (name, image_id) VALUES (?, ?)"));
    st.bind(1, t.str()).bind(2, id.str());
    TRY(st.run());
  }
  return {};
}

Result<std::vector<ImageRecord>> Store::record_images(const std::vector<NewImage>& images,
                                                      Lease& lease) {
  int64_t now = internal::unix_now();
  {
    auto tx = TRY(db_->begin());
    TRY(lease.check_live());
    for (size_t i = 0; i < images.size(); ++i)
      TRY_CTX(insert_image(images[i], lease, now), "image {}",
              oci::Digest::of(images[i].config).short_str());
    TRY(tx.commit());
  }
  std::vector<ImageRecord> out;
  for (const auto& img : images) out.push_back(TRY(get_image(oci::Digest::of(img.config))));
  return out;
}

}  // namespace strata::store
