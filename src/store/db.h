// SPDX-License-Identifier: Apache-2.0
// A small SQLite wrapper returning Result: prepared statements with positional binds, and
// scoped IMMEDIATE transactions (writers queue on the busy timeout, never fail fast).
// Creating a database, switching it to WAL and migrating its schema happen under an
// exclusive flock, so that many processes opening a new store at once all succeed; where
// SQLite answers SQLITE_BUSY without waiting (to avoid a deadlock, or while another
// connection recovers the WAL), the statement is retried until the busy timeout.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"

namespace strata::store {

class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  Stmt(Stmt&& o) noexcept : db_(o.db_), s_(std::exchange(o.s_, nullptr)), stepped_(o.stepped_) {}
  ~Stmt() { sqlite3_finalize(s_); }

  Stmt& bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind_null(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
  }
  Stmt& bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  // Steps once: true if a row is ready, false when done.
  Result<bool> step();
  // Runs to completion (for statements without rows).
  Result<void> run();
  std::string text(int col) const;
  bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }
  int columns() const { return sqlite3_column_count(s_); }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_;
  bool stepped_ = false;  // a row was returned: a retry would start over
};

class Db {
 public:
  static constexpr int64_t kSchemaVersion = 4;

  // Opens (creating) the database in WAL mode with a busy timeout and migrates its
  // schema, holding an exclusive flock on lock_path while it creates or migrates.
  static Result<std::unique_ptr<Db>> open(const std::string& path, const std::string& lock_path);
  ~Db();
  Result<Stmt> prepare(std::string_view sql);
  Result<void> exec(std::string_view sql);
  // Runs `sql` with one text parameter to completion.
  Result<void> exec(std::string_view sql, std::string_view arg);
  // The first column of the first row of `sql` with one text parameter, if any row.
  Result<std::optional<std::string>> query_text(std::string_view sql, std::string_view arg);
  // Rows changed by the last statement.
  int64_t changes() const { return sqlite3_changes64(db_); }

  // Begins an IMMEDIATE transaction, rolled back on destruction unless committed.
  class Tx {
   public:
    explicit Tx(Db* db) : db_(db) {}
    Tx(Tx&& o) noexcept : db_(std::exchange(o.db_, nullptr)) {}
    ~Tx();
    Result<void> commit();

   private:
    Db* db_;
  };
  Result<Tx> begin();
  // A read transaction: one consistent snapshot for several queries (never blocks writers).
  Result<Tx> begin_read();

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  Result<bool> is_current();
  Result<void> migrate();
  sqlite3* db_;
};

}  // namespace strata::store
