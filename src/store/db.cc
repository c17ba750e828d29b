// SPDX-License-Identifier: Apache-2.0
#include "store/db.h"

#include "util/log.h"

namespace strata::store {

namespace {

constexpr int kBusyTimeoutMs = 30000;

Error db_error(sqlite3* db, int rc, std::string_view what) {
  Errc code = Errc::kInternal;
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) code = Errc::kUnavailable;
  if (rc == SQLITE_FULL) code = Errc::kNoSpace;
  if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB) code = Errc::kCorrupt;
  if (rc == SQLITE_READONLY || rc == SQLITE_PERM) code = Errc::kPermission;
  return Error::make(
      code, fmt::format("database: {}: {}", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}

// Version 1: images, their layers and tags. Each step of a migration is one statement.
constexpr const char* kSchemaV1[] = {
    "CREATE TABLE blobs (digest TEXT PRIMARY KEY, size INTEGER NOT NULL, "
    "media_type TEXT NOT NULL)",
    "CREATE TABLE layers (diff_id TEXT PRIMARY KEY, diff_size INTEGER NOT NULL, "
    "unpacked_size INTEGER NOT NULL, created INTEGER NOT NULL)",
    "CREATE TABLE images (id TEXT PRIMARY KEY, manifest_digest TEXT NOT NULL, "
    "created INTEGER NOT NULL, added INTEGER NOT NULL)",
    "CREATE TABLE image_layers (image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE, "
    "idx INTEGER NOT NULL, diff_id TEXT NOT NULL REFERENCES layers(diff_id), "
    "blob_digest TEXT NOT NULL REFERENCES blobs(digest), PRIMARY KEY (image_id, idx))",
    "CREATE INDEX image_layers_diff ON image_layers(diff_id)",
    "CREATE INDEX image_layers_blob ON image_layers(blob_digest)",
    "CREATE TABLE tags (name TEXT PRIMARY KEY, image_id TEXT NOT NULL REFERENCES images(id))",
    "CREATE INDEX tags_image ON tags(image_id)",
};

}  // namespace

Result<bool> Stmt::step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_error(db_, rc, sqlite3_sql(s_));
}

Result<void> Stmt::run() {
  while (TRY(step())) {
  }
  return {};
}

std::string Stmt::text(int col) const {
  const unsigned char* p = sqlite3_column_text(s_, col);
  return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
}

Result<std::unique_ptr<Db>> Db::open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error e = db_error(raw, rc, fmt::format("open `{}`", path));
    sqlite3_close(raw);
    return e;
  }
  std::unique_ptr<Db> db(new Db(raw));
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  TRY(db->exec("PRAGMA journal_mode=WAL"));
  TRY(db->exec("PRAGMA synchronous=NORMAL"));
  TRY(db->exec("PRAGMA foreign_keys=ON"));
  TRY(db->migrate());
  return db;
}

Db::~Db() { sqlite3_close(db_); }

Result<Stmt> Db::prepare(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s, nullptr);
  if (rc != SQLITE_OK) return db_error(db_, rc, fmt::format("prepare `{}`", sql));
  return Stmt(db_, s);
}

Result<void> Db::exec(std::string_view sql) {
  std::string s(sql);
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return db_error(db_, rc, s);
  return {};
}

Result<Db::Tx> Db::begin() {
  TRY(exec("BEGIN IMMEDIATE"));
  return Tx(this);
}

Db::Tx::~Tx() {
  if (db_ != nullptr) (void)db_->exec("ROLLBACK");
}

Result<void> Db::Tx::commit() {
  Db* db = std::exchange(db_, nullptr);
  auto r = db->exec("COMMIT");
  if (!r.ok()) (void)db->exec("ROLLBACK");
  return r;
}

Result<void> Db::migrate() {
  auto tx = TRY(begin());
  auto st = TRY(prepare("PRAGMA user_version"));
  TRY(st.step());
  int64_t version = st.integer(0);
  if (version > 1)
    return Error::make(
        Errc::kUnsupported,
        fmt::format("database schema version {} is newer than this strata", version));
  if (version < 1) {
    log::debug("creating database schema v1");
    for (const char* sql : kSchemaV1) TRY(exec(sql));
    TRY(exec("PRAGMA user_version = 1"));
  }
  return tx.commit();
}

}  // namespace strata::store
