// SPDX-License-Identifier: Apache-2.0
// Images, tags and references in the database: listing, resolving names as Docker does,
// tagging, removing and pruning. Each change is one transaction that checks, inside it,
// what it is about to change (a tag racing a prune either lands on an image that stays,
// or fails with "no such image").
#include "store/store.h"
#include "store/store_internal.h"
#include "util/strings.h"

namespace strata::store {

namespace {

const char* target_kind_name(RefTarget t) {
  switch (t) {
    case RefTarget::kImage:
      return "image";
    case RefTarget::kLayer:
      return "layer";
    case RefTarget::kBlob:
      return "blob";
  }
  return "image";
}

// A stored tag in Docker's short form; a tag the database holds is one we validated.
std::string familiar(const std::string& tag) {
  auto ref = oci::parse_reference(tag);
  return ref.ok() ? ref->familiar() : printable(tag);
}

}  // namespace

Result<std::vector<LayerRecord>> Store::image_layers(const oci::Digest& id) {
  auto st = TRY(db_->prepare(
      "SELECT il.diff_id, il.blob_digest, b.media_type, b.size, l.diff_size, l.unpacked_size, "
      "l.link FROM image_layers il JOIN layers l ON l.diff_id = il.diff_id "
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
    l.link = st.text(6);
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
  auto snapshot = TRY(db_->begin_read());
  auto st =
      TRY(db_->prepare("SELECT id, manifest_digest, created, added FROM images ORDER BY created "
                       "DESC, added DESC, id"));
  std::vector<ImageRecord> out;
  while (TRY(st.step())) out.push_back(TRY(load_image_row(st)));
  return out;
}

Result<ImageRecord> Store::resolve(std::string_view name) {
  auto not_found = [&] {
    return Error::make(Errc::kNotFound, fmt::format("no such image: {}", printable(name)));
  };
  std::string_view hex = name;
  if (hex.starts_with("sha256:")) hex.remove_prefix(7);
  bool is_full_id = hex.size() == 64 && oci::is_hex(hex);
  if (!is_full_id || !name.starts_with("sha256:")) {
    auto ref = oci::parse_reference(name);
    if (ref.ok() && !is_full_id) {
      const char* sql = ref->digest ? "SELECT id FROM images WHERE manifest_digest = ?"
                                    : "SELECT image_id FROM tags WHERE name = ?";
      auto id = TRY(db_->query_text(sql, ref->digest ? ref->digest->str() : ref->str()));
      if (id) return get_image(TRY(oci::Digest::parse(*id)));
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
  std::string text = TRY(read_blob(img.id, static_cast<size_t>(oci::kMaxConfigBytes)));
  return TRY_CTX(oci::parse_image_config(text), "image {}", img.id.short_str());
}

Result<oci::Manifest> Store::load_manifest(const ImageRecord& img) {
  std::string text =
      TRY(read_blob(img.manifest_digest, static_cast<size_t>(oci::kMaxManifestBytes)));
  return TRY_CTX(oci::parse_manifest(text), "image {}", img.id.short_str());
}

Result<void> Store::tag(std::string_view source, const oci::Reference& target) {
  auto tx = TRY(db_->begin());
  ImageRecord img = TRY(resolve(source));
  auto st = TRY(db_->prepare("INSERT OR REPLACE INTO tags (name, image_id) VALUES (?, ?)"));
  st.bind(1, target.str()).bind(2, img.id.str());
  TRY(st.run());
  return tx.commit();
}

// Who holds a reference on the image ("container 0d3c27a4"), if anyone.
Result<std::optional<std::string>> Store::image_user(const oci::Digest& id) {
  auto st = TRY(db_->prepare(
      "SELECT kind, owner FROM refs WHERE target_kind = 'image' AND target = ? LIMIT 1"));
  st.bind(1, id.str());
  if (!TRY(st.step())) return std::optional<std::string>();
  std::string owner = st.text(1);
  if (owner.size() == 64 && oci::is_hex(owner)) owner.resize(12);  // Docker shows short IDs
  return std::optional<std::string>(printable(st.text(0) + " " + owner));
}

Result<void> Store::delete_image_rows(const oci::Digest& id) {
  for (const char* sql :
       {"DELETE FROM tags WHERE image_id = ?", "DELETE FROM image_layers WHERE image_id = ?",
        "DELETE FROM images WHERE id = ?"})
    TRY(db_->exec(sql, id.str()));
  return {};
}

Result<RemoveResult> Store::remove_image(std::string_view name, bool force) {
  auto tx = TRY(db_->begin());
  ImageRecord img = TRY(resolve(name));
  auto ref = oci::parse_reference(name);
  bool by_tag = ref.ok() && !ref->digest &&
                std::find(img.tags.begin(), img.tags.end(), ref->str()) != img.tags.end();
  auto user = TRY(image_user(img.id));
  RemoveResult out;
  if (by_tag) {
    if (img.tags.size() == 1 && user && !force)
      return Error::make(Errc::kExists,
                         fmt::format("conflict: unable to remove repository reference \"{}\" "
                                     "(must force) - {} is using its referenced image {}",
                                     printable(name), *user, img.id.short_str()));
    img.tags = {ref->str()};
  } else {
    // Forced, an image a container uses loses its tags and stays (Docker's rmi -f).
    if (user && !force)
      return Error::make(Errc::kExists,
                         fmt::format("conflict: unable to delete {} (must be forced) - image is "
                                     "being used by {}",
                                     img.id.short_str(), *user));
    if (!user && img.tags.size() > 1 && !force)
      return Error::make(Errc::kExists,
                         fmt::format("conflict: unable to delete {} (must be forced) - image is "
                                     "referenced in multiple repositories",
                                     img.id.short_str()));
  }
  for (const auto& t : img.tags) {
    TRY(db_->exec("DELETE FROM tags WHERE name = ?", t));
    out.untagged.push_back(familiar(t));
  }
  bool tags_left =
      TRY(db_->query_text("SELECT name FROM tags WHERE image_id = ?", img.id.str())).has_value();
  if (!tags_left && !user) {
    TRY(delete_image_rows(img.id));
    out.deleted = img.id;
  }
  TRY(tx.commit());
  return out;
}

Result<PruneResult> Store::prune_images(bool all) {
  auto tx = TRY(db_->begin());
  std::string sql =
      "SELECT id FROM images WHERE id NOT IN (SELECT target FROM refs WHERE target_kind = "
      "'image')";
  if (!all) sql += " AND id NOT IN (SELECT image_id FROM tags)";
  auto ids = TRY(internal::column_set(*db_, sql.c_str()));
  PruneResult out;
  for (const auto& hex : ids) {
    oci::Digest id = oci::Digest::from_sha256_hex(hex);
    for (const auto& t : TRY(image_tags(id))) out.untagged.push_back(familiar(t));
    TRY(delete_image_rows(id));
    out.deleted.push_back(id);
  }
  TRY(tx.commit());
  return out;
}

Result<void> Store::add_ref(std::string_view kind, std::string_view owner, RefTarget target_kind,
                            std::string_view target) {
  auto tx = TRY(db_->begin());
  TRY(insert_ref(kind, owner, target_kind, target));
  return tx.commit();
}

Result<void> Store::insert_ref(std::string_view kind, std::string_view owner, RefTarget target_kind,
                               std::string_view target) {
  const char* exists = target_kind == RefTarget::kImage ? "SELECT id FROM images WHERE id = ?"
                       : target_kind == RefTarget::kLayer
                           ? "SELECT diff_id FROM layers WHERE diff_id = ?"
                           : "SELECT digest FROM blobs WHERE digest = ?";
  if (!TRY(db_->query_text(exists, target)))
    return Error::make(Errc::kNotFound, fmt::format("no such {}: {}", target_kind_name(target_kind),
                                                    printable(target)));
  auto st =
      TRY(db_->prepare("INSERT OR IGNORE INTO refs (kind, owner, target_kind, target, created) "
                       "VALUES (?, ?, ?, ?, ?)"));
  st.bind(1, kind).bind(2, owner).bind(3, target_kind_name(target_kind)).bind(4, target);
  st.bind(5, internal::unix_now());
  return st.run();
}

Result<void> Store::remove_refs(std::string_view kind, std::string_view owner) {
  auto st = TRY(db_->prepare("DELETE FROM refs WHERE kind = ? AND owner = ?"));
  st.bind(1, kind).bind(2, owner);
  return st.run();
}

}  // namespace strata::store
