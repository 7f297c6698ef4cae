// vault/rekey.cc — sqlcipher_export into a copy under the new page key, then an atomic switch.
#include "vault/rekey.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "common/log.h"
#include "vault/sqlite.h"
#include "vault/store_file.h"

namespace mailrelay::vault {
namespace {

Status FsyncPath(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return Status::Internal("cannot open " + path + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::Internal("cannot fsync " + path + ": " + std::strerror(errno));
  return Status::Ok();
}

std::string DirOf(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  return dir.empty() ? "." : dir;
}

void RemoveIfExists(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
}

// ATTACHes the copy under the new page key. The key text is bound without a copy (STATIC) from
// the guarded buffer WithPageKeyHex lends, and unbound before that buffer is wiped.
Status AttachCopy(Db& db, const std::string& copy, const keyring::KeySet& new_keys) {
  return new_keys.WithPageKeyHex([&](std::string_view raw_key) -> Status {
    sqlite3_stmt* stmt = nullptr;
    int rc =
        sqlite3_prepare_v2(db.handle(), "ATTACH DATABASE ?1 AS rekeyed KEY ?2", -1, &stmt, nullptr);
    if (rc != SQLITE_OK) return db.Error(rc, "preparing the re-key copy");
    sqlite3_bind_text(stmt, 1, copy.c_str(), static_cast<int>(copy.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, raw_key.data(), static_cast<int>(raw_key.size()), SQLITE_STATIC);
    rc = sqlite3_step(stmt);
    sqlite3_clear_bindings(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) return db.Error(rc, "attaching the re-key copy");
    return Status::Ok();
  });
}

// Returns the row count of every table of schema `from` (sqlite_sequence included), by name.
StatusOr<std::vector<std::pair<std::string, int64_t>>> TableCounts(Db& db,
                                                                   const std::string& from) {
  std::vector<std::string> names;
  {
    MR_ASSIGN_OR_RETURN(Stmt s, db.Prepare("SELECT name FROM main.sqlite_master WHERE type = "
                                           "'table' ORDER BY name"));
    while (true) {
      MR_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      names.push_back(s.Text(0));
    }
  }
  std::vector<std::pair<std::string, int64_t>> out;
  for (const std::string& name : names) {
    std::string quoted = "\"";
    for (char c : name) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    quoted += "\"";
    MR_ASSIGN_OR_RETURN(Stmt s, db.Prepare("SELECT count(*) FROM " + from + "." + quoted));
    MR_ASSIGN_OR_RETURN(bool row, s.Step());
    out.emplace_back(name, row ? s.Int(0) : -1);
  }
  return out;
}

// Exports `db`'s main database into the attached copy, applies `edit`, and checks the copy.
Status ExportAndCheck(Db& db, const RekeyCopyEdit& edit) {
  // Before anything is written to the copy: its page size (a must on SQLCipher 3.4.1) and the
  // incremental auto-vacuum every vault file is created with (docs/vault.md).
  MR_RETURN_IF_ERROR(db.Exec("PRAGMA rekeyed.cipher_page_size = 4096"));
  MR_RETURN_IF_ERROR(db.Exec("PRAGMA rekeyed.auto_vacuum = INCREMENTAL"));
  MR_RETURN_IF_ERROR(db.Exec("PRAGMA rekeyed.synchronous = FULL"));
  MR_ASSIGN_OR_RETURN(int64_t done, db.QueryInt("SELECT count(*) FROM (SELECT "
                                                "sqlcipher_export('rekeyed'))"));
  (void)done;
  // Every table of every kind of file (region, control.db, audit.db), before `edit` changes any.
  MR_ASSIGN_OR_RETURN(auto before, TableCounts(db, "main"));
  MR_ASSIGN_OR_RETURN(auto after, TableCounts(db, "rekeyed"));
  if (before != after) {
    std::string which;
    for (size_t i = 0; i < before.size(); ++i) {
      if (i >= after.size() || before[i] != after[i]) {
        which = before[i].first + ": " + std::to_string(i < after.size() ? after[i].second : -1) +
                " of " + std::to_string(before[i].second) + " rows";
        break;
      }
    }
    return Status::Internal("vault file " + db.path() + ": the re-keyed copy does not match (" +
                            which + "); the original is untouched");
  }
  if (edit) MR_RETURN_IF_ERROR(edit(db));
  MR_ASSIGN_OR_RETURN(std::string check, db.QueryText("PRAGMA rekeyed.quick_check"));
  if (check != "ok") {
    return Status::Internal("vault file " + db.path() +
                            ": the re-keyed copy does not match (integrity check '" + check +
                            "'); the original is untouched");
  }
  return db.Exec("DETACH DATABASE rekeyed");
}

std::function<Status(RekeyStep, const std::string&)>& Fault() {
  static std::function<Status(RekeyStep, const std::string&)> fault;
  return fault;
}

Status AtStep(RekeyStep step, const std::string& path) {
  return Fault() ? Fault()(step, path) : Status::Ok();
}

// An flock on "<path>.rekey-lock" for as long as a re-key (or its completion) runs, so one
// process never deletes or renames a copy another is still writing. flock, unlike the POSIX
// locks SQLite uses, is not dropped when this process closes some other descriptor of the file.
class RekeyLock {
 public:
  // Returns the lock, or nullopt when another process (or thread) holds it.
  static StatusOr<std::optional<RekeyLock>> Try(const std::string& path) {
    std::string lock_path = path + ".rekey-lock";
    int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      return Status::PermissionDenied("cannot open " + lock_path + ": " + std::strerror(errno));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      return std::optional<RekeyLock>();
    }
    return std::optional<RekeyLock>(RekeyLock(fd));
  }
  RekeyLock(RekeyLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  RekeyLock& operator=(RekeyLock&&) = delete;
  ~RekeyLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the flock
  }

 private:
  explicit RekeyLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace

std::string RekeyCopyPath(const std::string& path) { return path + ".rekey"; }

StatusOr<uint32_t> SettledPageKeyVersion(const std::string& path, const std::string& region) {
  MR_ASSIGN_OR_RETURN(bool rekeyed, FinishInterruptedRekey(path));
  if (rekeyed) log::Warn("vault.rekey_completed").Ident("region", log::Id(region)).Emit();
  const uint32_t page = PageKeyVersion(path);
  if (page == 0) {
    return Status::DataLoss("key-check file " + KeyCheckPath(path) +
                            " names no valid page-key version; restore it from a backup");
  }
  return page;
}

void SetRekeyFaultForTesting(std::function<Status(RekeyStep, const std::string& path)> fault) {
  Fault() = std::move(fault);
}

Status RekeyFile(const std::string& path, const keyring::KeySet& old_keys,
                 const keyring::KeySet& new_keys) {
  if (new_keys.scope() != old_keys.scope() ||
      new_keys.page_version() != old_keys.page_version() + 1) {
    return Status::InvalidArgument("re-key of " + path +
                                   ": the new key set must be the next "
                                   "page-key version of the same scope");
  }
  // The rotation that asked for this re-key is finished in the copy that becomes the file.
  return RekeyFileWith(path, old_keys, new_keys, [](Db& db) {
    return db.Exec("DELETE FROM rekeyed.meta WHERE name LIKE 'rotation.%'");
  });
}

Status RekeyFileWith(const std::string& path, const keyring::KeySet& old_keys,
                     const keyring::KeySet& new_keys, const RekeyCopyEdit& edit) {
  if (new_keys.scope() != old_keys.scope()) {
    return Status::InvalidArgument("re-key of " + path + ": the key sets are of different scopes");
  }
  const std::string copy = RekeyCopyPath(path);
  MR_ASSIGN_OR_RETURN(std::optional<RekeyLock> lock, RekeyLock::Try(path));
  if (!lock)
    return Status::Unavailable("vault file " + path + " is being re-keyed by another process");
  MR_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, OpenConnection(path, old_keys));
  // Leaving WAL mode needs an exclusive lock, which SQLite tries once, without waiting: any
  // other connection to the file (another process's `serve`, or this process's vault) keeps a
  // shared lock for as long as it is open.
  auto mode = db->QueryText("PRAGMA journal_mode = DELETE");
  if (!mode.ok() || *mode != "delete") {
    return Status::Unavailable(
        "vault file " + path +
        " is open in another process (is `mailrelay serve` running?): re-keying the file needs "
        "it to itself");
  }
  // The export's temporary structures hold decrypted rows: never a temp file.
  MR_RETURN_IF_ERROR(db->Exec("PRAGMA temp_store = MEMORY"));
  // Keep every other process out until the copy has replaced the file.
  MR_RETURN_IF_ERROR(db->Exec("PRAGMA locking_mode = EXCLUSIVE"));
  MR_RETURN_IF_ERROR(db->Exec("BEGIN EXCLUSIVE"));
  MR_RETURN_IF_ERROR(db->Exec("COMMIT"));
  RemoveIfExists(copy);
  RemoveIfExists(copy + "-journal");
  // The connection was opened without SQLITE_OPEN_CREATE (vault files are never created by
  // accident), and ATTACH inherits that: create the copy empty (mode 0600) for it.
  int fd = ::open(copy.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::PermissionDenied("cannot create the re-key copy " + copy + ": " +
                                    std::strerror(errno));
  }
  ::close(fd);
  MR_RETURN_IF_ERROR(AttachCopy(*db, copy, new_keys));
  Status exported = ExportAndCheck(*db, edit);
  if (!exported.ok()) {
    (void)db->Exec("DETACH DATABASE rekeyed");
    RemoveIfExists(copy);
    return exported;
  }
  MR_RETURN_IF_ERROR(FsyncPath(copy, false));
  MR_RETURN_IF_ERROR(AtStep(RekeyStep::kCopyWritten, path));
  // The commit point: from here on the key-check file names the copy, and an interrupted re-key
  // is completed by FinishInterruptedRekey rather than discarded.
  MR_RETURN_IF_ERROR(WriteKeyCheckFor(path, copy, new_keys));
  MR_RETURN_IF_ERROR(AtStep(RekeyStep::kCommitted, path));
  RemoveIfExists(path + "-wal");
  RemoveIfExists(path + "-shm");
  if (::rename(copy.c_str(), path.c_str()) != 0) {
    return Status::Internal("vault file " + path + ": cannot rename the re-keyed copy " + copy +
                            " over it (" + std::strerror(errno) +
                            "); the next open completes the switch");
  }
  MR_RETURN_IF_ERROR(FsyncPath(DirOf(path), true));
  db.reset();  // releases the lock on the replaced file
  // Proves the new file opens with the new key.
  MR_ASSIGN_OR_RETURN(std::unique_ptr<Db> check, OpenConnection(path, new_keys));
  return Status::Ok();
}

StatusOr<bool> FinishInterruptedRekey(const std::string& path) {
  const std::string copy = RekeyCopyPath(path);
  std::error_code ec;
  if (!std::filesystem::exists(copy, ec)) return false;
  MR_ASSIGN_OR_RETURN(std::optional<RekeyLock> lock, RekeyLock::Try(path));
  if (!lock) return false;  // a re-key is running right now: its copy is not a leftover
  const std::string salt = UnopenedFileSaltHex(copy);
  if (salt.empty() || salt != KeyCheckSalt(path)) {
    // The key check still names the original: the copy never became the file.
    RemoveIfExists(copy);
    RemoveIfExists(copy + "-journal");
    return false;
  }
  RemoveIfExists(path + "-wal");
  RemoveIfExists(path + "-shm");
  if (::rename(copy.c_str(), path.c_str()) != 0) {
    return Status::Internal("vault file " + path + ": cannot complete an interrupted re-key (" +
                            std::strerror(errno) + "); rename " + copy + " to " + path);
  }
  MR_RETURN_IF_ERROR(FsyncPath(DirOf(path), true));
  return true;
}

}  // namespace mailrelay::vault
