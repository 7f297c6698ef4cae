// vault/sqlite.cc — SQLCipher connection and statement wrappers, result code mapping.
#include "vault/sqlite.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace mailrelay::vault {

bool IsUnreadableFileCode(int rc) {
  int primary = rc & 0xff;
  return primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT;
}

Stmt::~Stmt() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

Stmt::Stmt(Stmt&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), db_(std::exchange(other.db_, nullptr)) {}

Stmt& Stmt::operator=(Stmt&& other) noexcept {
  if (this != &other) {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

void Stmt::BindInt(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
void Stmt::BindText(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
}
void Stmt::BindBlob(int index, std::string_view value) {
  // A zero-length blob must still be a blob, not NULL: pass a non-null pointer.
  static const char kEmpty = 0;
  sqlite3_bind_blob(stmt_, index, value.empty() ? &kEmpty : value.data(),
                    static_cast<int>(value.size()), SQLITE_TRANSIENT);
}
void Stmt::BindNull(int index) { sqlite3_bind_null(stmt_, index); }

StatusOr<bool> Stmt::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Status s = db_->Error(rc, "statement");
  sqlite3_reset(stmt_);
  return s;
}

Status Stmt::Run() {
  MR_ASSIGN_OR_RETURN(bool row, Step());
  (void)row;
  sqlite3_reset(stmt_);
  return Status::Ok();
}

void Stmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Stmt::IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
int64_t Stmt::Int(int column) const { return sqlite3_column_int64(stmt_, column); }
std::string Stmt::Text(int column) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  int n = sqlite3_column_bytes(stmt_, column);
  return p == nullptr ? std::string() : std::string(p, static_cast<size_t>(n));
}
std::string Stmt::Blob(int column) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
  int n = sqlite3_column_bytes(stmt_, column);
  return p == nullptr ? std::string() : std::string(p, static_cast<size_t>(n));
}

StatusOr<std::unique_ptr<Db>> Db::Open(const std::string& path, bool create) {
  if (create) {
    // SQLite would create the file 0644 (less the umask), and its -wal and -shm copy that mode:
    // create it first, owner-only, so none of the three is ever readable by others, whatever
    // the data directory's mode. An existing file keeps its mode.
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  }
  sqlite3* handle = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
  std::unique_ptr<Db> db(new Db(handle, path));
  if (rc != SQLITE_OK) return db->Error(rc, "open");
  sqlite3_extended_result_codes(handle, 1);
  return db;
}

Db::~Db() {
  cached_.clear();  // finalized before the connection closes
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

Status Db::Exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  sqlite3_free(err);
  if (rc != SQLITE_OK) return Error(rc, sql);
  return Status::Ok();
}

StatusOr<Stmt> Db::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return Error(rc, "prepare");
  return Stmt(stmt, this);
}

StatusOr<Stmt*> Db::Cached(const std::string& sql) {
  auto it = cached_.find(sql);
  if (it == cached_.end()) {
    MR_ASSIGN_OR_RETURN(Stmt prepared, Prepare(sql));
    it = cached_.emplace(sql, std::move(prepared)).first;
  }
  it->second.Reset();
  return &it->second;
}

void Db::ResetCached() {
  for (auto& [sql, stmt] : cached_) stmt.Reset();
}

StatusOr<int64_t> Db::QueryInt(const char* sql) {
  MR_ASSIGN_OR_RETURN(Stmt s, Prepare(sql));
  MR_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return Status::Internal("vault file " + path_ + ": '" + sql + "' returned no row");
  return s.Int(0);
}

StatusOr<std::string> Db::QueryText(const char* sql) {
  MR_ASSIGN_OR_RETURN(Stmt s, Prepare(sql));
  MR_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return Status::Internal("vault file " + path_ + ": '" + sql + "' returned no row");
  return s.Text(0);
}

Status Db::Error(int rc, std::string_view what) const {
  std::string detail =
      std::string(what) + ": " + (db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
  std::string file = "vault file " + path_;
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::DataLoss(file + " is corrupt (" + detail + "); restore it from a backup");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(file + " is busy (" + detail +
                                 "); another process holds the write lock, retry");
    case SQLITE_FULL:
      return Status::ResourceExhausted(file + ": disk full (" + detail + ")");
    case SQLITE_IOERR:
      // SQLite reports a -wal or -shm file it could not grow on a full disk as an I/O error.
      if (db_ != nullptr && sqlite3_system_errno(db_) == ENOSPC) {
        return Status::ResourceExhausted(file + ": disk full (" + detail + ")");
      }
      return Status::Internal(file + ": " + detail);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
      return Status::PermissionDenied(file + " cannot be opened for writing (" + detail +
                                      "); check its owner and mode and those of its directory");
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return Status::AlreadyExists(file + ": " + detail);
      }
      return Status::InvalidArgument(file + ": " + detail);
    default:
      return Status::Internal(file + ": " + detail);
  }
}

}  // namespace mailrelay::vault
