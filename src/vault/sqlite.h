// vault/sqlite.h — a thin RAII layer over SQLCipher: one connection (Db) and its prepared
// statements (Stmt), with SQLite result codes turned into Status values that name the file.
// Internal to vault/. Not thread-safe: each Db (and its Stmts) is used by one thread at a time.
//
//   MR_ASSIGN_OR_RETURN(Stmt s, db.Prepare("SELECT value FROM meta WHERE name = ?1"));
//   s.BindText(1, "scope");
//   MR_ASSIGN_OR_RETURN(bool row, s.Step());
#pragma once

#define SQLITE_HAS_CODEC 1
#include <sqlcipher/sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace mailrelay::vault {

class Db;

class Stmt {
 public:
  Stmt() = default;
  ~Stmt();
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  // Binders take 1-based parameter indexes; a misuse shows up as an error from Step().
  void BindInt(int index, int64_t value);
  void BindText(int index, std::string_view value);
  void BindBlob(int index, std::string_view value);
  void BindNull(int index);

  // Returns true when a row is ready, false when the statement is done.
  StatusOr<bool> Step();
  // Steps to completion, expecting no rows.
  Status Run();
  // Makes the statement ready to run again, with its bindings cleared.
  void Reset();

  bool IsNull(int column) const;
  int64_t Int(int column) const;
  std::string Text(int column) const;
  std::string Blob(int column) const;

 private:
  friend class Db;
  Stmt(sqlite3_stmt* stmt, const Db* db) : stmt_(stmt), db_(db) {}
  sqlite3_stmt* stmt_ = nullptr;
  const Db* db_ = nullptr;  // must outlive this statement
};

class Db {
 public:
  // Opens a connection to `path` (creating the file only if `create`), extended result codes on.
  // Nothing is read yet: the caller sets the key and pragmas first.
  static StatusOr<std::unique_ptr<Db>> Open(const std::string& path, bool create);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs SQL without parameters (pragmas and schema DDL only; data always goes through Stmt).
  Status Exec(const char* sql);
  StatusOr<Stmt> Prepare(std::string_view sql);
  // The statement for `sql`, reset, prepared on first use and kept for the connection's life:
  // for what runs per lookup in every file, where preparing cost more than running. A
  // statement not stepped to its end holds a read snapshot until reset: ResetCached() when done.
  StatusOr<Stmt*> Cached(const std::string& sql);
  void ResetCached();
  // Returns the single integer an SQL statement such as a pragma yields.
  StatusOr<int64_t> QueryInt(const char* sql);
  // Returns the single text value an SQL statement such as a pragma yields.
  StatusOr<std::string> QueryText(const char* sql);

  // Returns the Status for result code `rc`, naming the file and `what` was being done.
  Status Error(int rc, std::string_view what) const;
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }
  int64_t changes() const { return sqlite3_changes(db_); }
  int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
  std::map<std::string, Stmt, std::less<>> cached_;
};

// Returns true for the result codes a wrong key or a damaged file produce.
bool IsUnreadableFileCode(int rc);

// Runs `body` in one BEGIN IMMEDIATE transaction on `db`; rolls back when `body` or the
// COMMIT fails, and returns that error.
template <typename F>
Status InWriteTransaction(Db& db, F body) {
  MR_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  Status s = body();
  if (s.ok()) s = db.Exec("COMMIT");
  if (!s.ok()) (void)db.Exec("ROLLBACK");
  return s;
}

}  // namespace mailrelay::vault
