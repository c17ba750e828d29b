// SPDX-License-Identifier: Apache-2.0
#include "store/db.h"

#include <fcntl.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>

#include "util/log.h"
#include "util/unique_fd.h"

namespace strata::store {

namespace {

constexpr int kBusyTimeoutMs = 30000;

Error db_error(sqlite3* db, int rc, std::string_view what) {
  Errc code = Errc::kInternal;
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) code = Errc::kUnavailable;
  if (primary == SQLITE_FULL) code = Errc::kNoSpace;
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) code = Errc::kCorrupt;
  if (primary == SQLITE_READONLY || primary == SQLITE_PERM) code = Errc::kPermission;
  if (primary == SQLITE_CONSTRAINT) code = Errc::kExists;
  return Error::make(
      code, fmt::format("database: {}: {}", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}

int64_t now_ms() {
  struct timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Runs f until it answers something other than SQLITE_BUSY or the busy timeout has
// passed. SQLite itself waits (the busy handler) in most cases; it answers BUSY at once
// where waiting could deadlock and while another connection recovers the WAL.
template <typename F>
int retry_busy(F f) {
  int64_t deadline = now_ms() + kBusyTimeoutMs;
  useconds_t delay = 1000;
  while (true) {
    int rc = f();
    if ((rc & 0xff) != SQLITE_BUSY || now_ms() > deadline) return rc;
    ::usleep(delay);
    delay = std::min<useconds_t>(delay * 2, 50000);
  }
}

// Each migration is a list of statements; migrations[v] takes the schema from v to v + 1.
// Version 1: images, their layers and tags.
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

// Version 2: short link names for layers (l/<link>), references that other objects
// (containers, build cache entries, uploads) hold on images, layers and blobs, and leases
// for work in progress with what they have placed (see docs/ARCHITECTURE.md).
constexpr const char* kSchemaV2[] = {
    "ALTER TABLE layers ADD COLUMN link TEXT",
    "CREATE UNIQUE INDEX layers_link ON layers(link)",
    "CREATE TABLE refs (kind TEXT NOT NULL, owner TEXT NOT NULL, target_kind TEXT NOT NULL "
    "CHECK (target_kind IN ('image', 'layer', 'blob')), target TEXT NOT NULL, "
    "created INTEGER NOT NULL, PRIMARY KEY (kind, owner, target_kind, target))",
    "CREATE INDEX refs_target ON refs(target_kind, target)",
    "CREATE TABLE leases (id TEXT PRIMARY KEY, purpose TEXT NOT NULL, pid INTEGER NOT NULL, "
    "created INTEGER NOT NULL, expires INTEGER NOT NULL)",
    "CREATE TABLE lease_resources (lease_id TEXT NOT NULL REFERENCES leases(id) "
    "ON DELETE CASCADE, kind TEXT NOT NULL CHECK (kind IN ('blob', 'layer', 'link')), "
    "key TEXT NOT NULL, PRIMARY KEY (lease_id, kind, key))",
    "CREATE INDEX lease_resources_key ON lease_resources(kind, key)",
};

// Version 3: the engine's containers (container/record.h). A container holds a ref on
// its image (kind 'container'), which keeps the image and its layers; `config` and
// `state` are JSON documents the container module reads and writes.
constexpr const char* kSchemaV3[] = {
    "CREATE TABLE containers (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
    "image_id TEXT NOT NULL, image_name TEXT NOT NULL, created INTEGER NOT NULL, "
    "driver TEXT NOT NULL, config TEXT NOT NULL, state TEXT NOT NULL)",
};

// Version 4: volumes (container/volumes.h): ROOT/volumes/<name>/_data each, and which
// containers use them (a volume in use is not removed).
constexpr const char* kSchemaV4[] = {
    "CREATE TABLE volumes (name TEXT PRIMARY KEY, driver TEXT NOT NULL, "
    "created INTEGER NOT NULL, labels TEXT NOT NULL, anonymous INTEGER NOT NULL)",
    "CREATE TABLE volume_uses (volume TEXT NOT NULL REFERENCES volumes(name), "
    "container TEXT NOT NULL, PRIMARY KEY (volume, container))",
    "CREATE INDEX volume_uses_container ON volume_uses(container)",
};

struct Migration {
  const char* const* begin;
  const char* const* end;
};
constexpr Migration kMigrations[] = {
    {std::begin(kSchemaV1), std::end(kSchemaV1)},
    {std::begin(kSchemaV2), std::end(kSchemaV2)},
    {std::begin(kSchemaV3), std::end(kSchemaV3)},
    {std::begin(kSchemaV4), std::end(kSchemaV4)},
};
static_assert(std::size(kMigrations) == Db::kSchemaVersion);

Result<UniqueFd> lock_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Error::from_errno(errno, fmt::format("open `{}`", path));
  UniqueFd guard(fd);
  while (::flock(fd, LOCK_EX) < 0) {
    if (errno != EINTR) return Error::from_errno(errno, fmt::format("lock `{}`", path));
  }
  return guard;
}

}  // namespace

Result<bool> Stmt::step() {
  // Inside an explicit transaction a retry cannot help (and BEGIN IMMEDIATE already
  // holds the write lock); outside one each statement is its own transaction, which
  // can start again as long as it has returned no row.
  bool autocommit = sqlite3_get_autocommit(db_) != 0 && !stepped_;
  int rc = autocommit ? retry_busy([&] {
    int r = sqlite3_step(s_);
    if ((r & 0xff) == SQLITE_BUSY) sqlite3_reset(s_);
    return r;
  })
                      : sqlite3_step(s_);
  if (rc == SQLITE_ROW) {
    stepped_ = true;
    return true;
  }
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

Result<std::unique_ptr<Db>> Db::open(const std::string& path, const std::string& lock_path) {
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
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  TRY(db->exec("PRAGMA foreign_keys=ON"));
  TRY(db->exec("PRAGMA synchronous=NORMAL"));
  if (!TRY(db->is_current())) {
    // Switching to WAL takes an exclusive lock that concurrent openers would contend
    // for (SQLite answers some of them BUSY at once): one process at a time does it.
    auto lock = TRY(lock_file(lock_path));
    TRY(db->exec("PRAGMA journal_mode=WAL"));
    TRY(db->migrate());
  }
  return db;
}

Db::~Db() { sqlite3_close(db_); }

Result<bool> Db::is_current() {
  auto mode = TRY(prepare("PRAGMA journal_mode"));
  if (!TRY(mode.step()) || mode.text(0) != "wal") return false;
  auto version = TRY(prepare("PRAGMA user_version"));
  TRY(version.step());
  int64_t v = version.integer(0);
  if (v > kSchemaVersion)
    return Error::make(Errc::kUnsupported,
                       fmt::format("database schema version {} is newer than this strata", v));
  return v == kSchemaVersion;
}

Result<Stmt> Db::prepare(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  int rc = retry_busy([&] {
    return sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s, nullptr);
  });
  if (rc != SQLITE_OK) return db_error(db_, rc, fmt::format("prepare `{}`", sql));
  return Stmt(db_, s);
}

Result<void> Db::exec(std::string_view sql) {
  std::string s(sql);
  bool autocommit = sqlite3_get_autocommit(db_) != 0;
  auto once = [&] { return sqlite3_exec(db_, s.c_str(), nullptr, nullptr, nullptr); };
  // COMMIT may be retried after BUSY; other statements only outside a transaction.
  int rc = autocommit || s == "COMMIT" ? retry_busy(once) : once();
  if (rc != SQLITE_OK) return db_error(db_, rc, s);
  return {};
}

Result<void> Db::exec(std::string_view sql, std::string_view arg) {
  auto st = TRY(prepare(sql));
  st.bind(1, arg);
  return st.run();
}

Result<std::optional<std::string>> Db::query_text(std::string_view sql, std::string_view arg) {
  auto st = TRY(prepare(sql));
  st.bind(1, arg);
  if (!TRY(st.step())) return std::optional<std::string>();
  return std::optional<std::string>(st.text(0));
}

Result<Db::Tx> Db::begin() {
  TRY(exec("BEGIN IMMEDIATE"));
  return Tx(this);
}

Result<Db::Tx> Db::begin_read() {
  TRY(exec("BEGIN"));
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
  if (version > kSchemaVersion)
    return Error::make(
        Errc::kUnsupported,
        fmt::format("database schema version {} is newer than this strata", version));
  for (int64_t v = version; v < kSchemaVersion; ++v) {
    log::debug("migrating the database schema to v{}", v + 1);
    const Migration& m = kMigrations[v];
    for (const char* const* sql = m.begin; sql != m.end; ++sql) TRY(exec(*sql));
  }
  TRY(exec(fmt::format("PRAGMA user_version = {}", kSchemaVersion)));
  return tx.commit();
}

}  // namespace strata::store
