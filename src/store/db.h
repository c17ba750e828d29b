// SPDX-License-Identifier: Apache-2.0
// A small SQLite wrapper returning Result: prepared statements with positional binds,
// and scoped IMMEDIATE transactions (writers queue on the busy timeout, never fail fast).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "util/result.h"

namespace strata::store {

class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  Stmt(Stmt&& o) noexcept : db_(o.db_), s_(std::exchange(o.s_, nullptr)) {}
  ~Stmt() { sqlite3_finalize(s_); }

  Stmt& bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
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
  int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_;
};

class Db {
 public:
  // Opens (creating) the database in WAL mode with a busy timeout, and migrates the schema.
  static Result<std::unique_ptr<Db>> open(const std::string& path);
  ~Db();
  Result<Stmt> prepare(std::string_view sql);
  Result<void> exec(std::string_view sql);

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

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  Result<void> migrate();
  sqlite3* db_;
};

}  // namespace strata::store
