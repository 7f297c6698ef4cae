// vault/store_file.cc — open/create sequence of a vault file and the key-check file.
#include "vault/store_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "common/log.h"

namespace mailrelay::vault {
namespace {

constexpr char kKeyCheckHeader[] = "mailrelay-key-check v1";
constexpr size_t kSaltBytes = 16;  // SQLCipher 3 keeps its random KDF salt in the first 16 bytes

std::string SaltHex(const char (&salt)[kSaltBytes]) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : salt) {
    out += kHex[(static_cast<unsigned char>(c) >> 4) & 15];
    out += kHex[static_cast<unsigned char>(c) & 15];
  }
  return out;
}

// Returns the hex of the file's salt, or "" if the file is shorter than that. Only for a file
// this process has no open connection to: closing this extra descriptor drops every POSIX lock
// the process holds on the file (fcntl semantics), SQLite's included — then another process
// closing its last connection would checkpoint and DELETE the -wal under our feet.
std::string FileSaltHex(const std::string& db_path) {
  std::ifstream in(db_path, std::ios::binary);
  char salt[kSaltBytes];
  if (!in.read(salt, sizeof salt)) return "";
  return SaltHex(salt);
}

// Returns the hex of the salt of the file `db` has open, read through SQLite's own descriptor
// (no extra open/close, so SQLite's locks stay), or "" if it cannot be read.
std::string OpenFileSaltHex(Db& db) {
  sqlite3_file* file = nullptr;
  if (sqlite3_file_control(db.handle(), "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK ||
      file == nullptr || file->pMethods == nullptr) {
    return "";
  }
  char salt[kSaltBytes];
  if (file->pMethods->xRead(file, salt, sizeof salt, 0) != SQLITE_OK) return "";
  return SaltHex(salt);
}

// "<header> <scope> <check value> <salt>[ <page-key version>]": the key half says whether the
// master key is the one that made the file, the salt half says whether this is still the file it
// was written for; the version (absent = 1) says which page key opens it (docs/keys.md).
std::string KeyCheckLine(const keyring::KeySet& keys, const std::string& salt_hex) {
  std::string line = std::string(kKeyCheckHeader) + " " + keys.scope() + " " +
                     keys.KeyCheckValue() + " " + salt_hex;
  if (keys.page_version() > 1) line += " " + std::to_string(keys.page_version());
  return line + "\n";
}

struct KeyCheckFields {
  std::string header, version, scope, value, salt;
  uint32_t page_version = 1;
};

std::optional<KeyCheckFields> ReadKeyCheckFields(const std::string& db_path) {
  std::ifstream in(KeyCheckPath(db_path));
  if (!in) return std::nullopt;
  KeyCheckFields f;
  in >> f.header >> f.version >> f.scope >> f.value >> f.salt;
  std::string page;
  if (in >> page) {
    char* end = nullptr;
    unsigned long v = std::strtoul(page.c_str(), &end, 10);
    f.page_version = (end != nullptr && *end == '\0' && v > 0 && v < (1UL << 31))
                         ? static_cast<uint32_t>(v)
                         : 0;  // unreadable: no page key matches
  }
  return f;
}

// Writes the key-check file atomically (temp file, fsync, rename, fsync directory).
Status WriteKeyCheck(const std::string& db_path, const keyring::KeySet& keys,
                     const std::string& salt_hex) {
  std::string path = KeyCheckPath(db_path), tmp = path + ".tmp";
  std::string line = KeyCheckLine(keys, salt_hex);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::PermissionDenied("key-check file " + path +
                                    " cannot be written: " + std::strerror(errno));
  }
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Status::Internal("key-check file " + path +
                            " cannot be written: " + std::strerror(errno));
  }
  std::string dir = db_path.substr(0, db_path.find_last_of('/') + 1);
  (void)SyncDirectory(dir.empty() ? "." : dir);
  return Status::Ok();
}

enum class KeyCheck { kMatches, kWrongKey, kOtherFile, kMissing };

KeyCheck ReadKeyCheck(const std::string& db_path, const keyring::KeySet& keys,
                      const std::string& salt_hex) {
  std::optional<KeyCheckFields> f = ReadKeyCheckFields(db_path);
  if (!f) return KeyCheck::kMissing;
  if (f->header + " " + f->version != kKeyCheckHeader || f->scope != keys.scope() ||
      f->value != keys.KeyCheckValue()) {
    return KeyCheck::kWrongKey;
  }
  return f->salt == salt_hex ? KeyCheck::kMatches : KeyCheck::kOtherFile;
}

// The error for a file SQLCipher cannot read: the key check decides whose fault it is.
Status Unreadable(const std::string& path, const keyring::KeySet& keys, const Status& cause) {
  // The connection failing here is about to be closed anyway.
  switch (ReadKeyCheck(path, keys, FileSaltHex(path))) {
    case KeyCheck::kWrongKey:
      return Status::Unauthenticated("vault file " + path +
                                     ": wrong master key or not a mailrelay vault (key check "
                                     "failed); use the master key this vault was created with");
    case KeyCheck::kOtherFile:
      return Status::Unauthenticated(
          "vault file " + path +
          ": wrong master key or not a mailrelay vault (key check failed: the master key is "
          "right, but this is not the file " +
          KeyCheckPath(path) +
          " was written for; was it replaced by another vault's file, or its first 16 bytes "
          "damaged?)");
    case KeyCheck::kMatches:
      return Status::DataLoss("vault file " + path +
                              " is corrupt: the master key is right (key check passed) but the "
                              "file cannot be read (" +
                              cause.message() + "); restore it from a backup");
    case KeyCheck::kMissing:
      break;
  }
  return Status::DataLoss("vault file " + path + " cannot be read and its key-check file " +
                          KeyCheckPath(path) +
                          " is missing: either the master key is wrong or the file is corrupt");
}

// The busy handler: while another connection holds the lock, poll every millisecond, for about
// ten seconds. SQLite's own sqlite3_busy_timeout backs off to 100 ms between polls, so a commit
// that began waiting during a sweep or rotation batch slept through the gap after that batch and
// waited out several more (writer latency max 240-640 ms in sweep_bench); polling every
// millisecond takes the lock within a millisecond of the holder's COMMIT.
constexpr int kBusyPolls = 10000;
int PollEveryMillisecond(void* /*unused*/, int polls_so_far) {
  if (polls_so_far >= kBusyPolls) return 0;  // give up: SQLITE_BUSY
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return 1;
}

Status ApplyKeyAndPragmas(Db& db, const keyring::KeySet& keys) {
  // First, before any statement: the probe below reads the schema and must wait out another
  // process's write lock ("database is locked") rather than fail the open.
  sqlite3_busy_handler(db.handle(), &PollEveryMillisecond, nullptr);
  MR_RETURN_IF_ERROR(keys.WithPageKeyHex([&](std::string_view raw_key) -> Status {
    int rc = sqlite3_key_v2(db.handle(), "main", raw_key.data(), static_cast<int>(raw_key.size()));
    if (rc != SQLITE_OK) return db.Error(rc, "setting the page key");
    return Status::Ok();
  }));
  // SQLCipher 3.4.1 defaults to 1024-byte pages: this must follow the key on every open.
  return db.Exec("PRAGMA cipher_page_size = 4096");
}

// Pragmas that are per connection; must run after the file proved readable.
Status ApplyConnectionPragmas(Db& db) {
  MR_ASSIGN_OR_RETURN(std::string mode, db.QueryText("PRAGMA journal_mode = WAL"));
  if (mode != "wal") {
    return Status::Internal("vault file " + db.path() + " refused WAL mode (got " + mode + ")");
  }
  MR_RETURN_IF_ERROR(db.Exec("PRAGMA synchronous = FULL"));
  MR_RETURN_IF_ERROR(db.Exec("PRAGMA secure_delete = ON"));  // never FAST: 3.4.1 reads it as OFF
  return Status::Ok();
}

// Returns kUnavailable when `path` no longer names the file (inode) `before` described: it was
// replaced — a re-key's rename (`keys rotate`, `keys rotate-master`) — while this connection was
// being opened, so what it holds open is the old, unlinked file. Writing there would be lost, and
// its key check must never be written from it.
Status CheckNotReplaced(const std::string& path, const struct stat& before) {
  struct stat now {};
  if (::stat(path.c_str(), &now) != 0 || now.st_ino != before.st_ino ||
      now.st_dev != before.st_dev) {
    return Status::Unavailable("vault file " + path +
                               " was replaced (re-keyed) while it was being opened; try again");
  }
  return Status::Ok();
}

}  // namespace

std::string KeyCheckPath(const std::string& db_path) { return db_path + ".keycheck"; }

uint32_t PageKeyVersion(const std::string& db_path) {
  std::optional<KeyCheckFields> f = ReadKeyCheckFields(db_path);
  return f ? f->page_version : 1;
}

Status WriteKeyCheckFor(const std::string& db_path, const std::string& salt_from,
                        const keyring::KeySet& keys) {
  std::string salt = FileSaltHex(salt_from);
  if (salt.empty()) {
    return Status::DataLoss("vault file " + salt_from + " is too short to hold an SQLCipher salt");
  }
  return WriteKeyCheck(db_path, keys, salt);
}

bool KeyCheckNames(const std::string& db_path, const keyring::KeySet& keys) {
  std::optional<KeyCheckFields> f = ReadKeyCheckFields(db_path);
  return f && f->header + " " + f->version == kKeyCheckHeader && f->scope == keys.scope() &&
         f->value == keys.KeyCheckValue();
}

std::string KeyCheckSalt(const std::string& db_path) {
  std::optional<KeyCheckFields> f = ReadKeyCheckFields(db_path);
  return f ? f->salt : "";
}

std::string UnopenedFileSaltHex(const std::string& path) { return FileSaltHex(path); }

Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::Internal("cannot open directory " + dir + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) {
    return Status::Internal("cannot fsync directory " + dir + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<Db>> OpenConnection(const std::string& path, const keyring::KeySet& keys) {
  struct stat before {};
  if (::stat(path.c_str(), &before) != 0) {
    return Status::NotFound("vault file " + path + " cannot be examined: " + std::strerror(errno));
  }
  MR_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, Db::Open(path, /*create=*/false));
  MR_RETURN_IF_ERROR(ApplyKeyAndPragmas(*db, keys));
  auto probe = db->QueryInt("SELECT count(*) FROM sqlite_master");
  if (!probe.ok()) return probe.status();
  // Before the first write (SQLite would refuse it on a moved file, SQLITE_READONLY_DBMOVED,
  // with a less helpful message); once in WAL mode this connection keeps a re-key out.
  MR_RETURN_IF_ERROR(CheckNotReplaced(path, before));
  MR_RETURN_IF_ERROR(ApplyConnectionPragmas(*db));
  return db;
}

StatusOr<std::unique_ptr<Db>> OpenStoreFile(const std::string& path, const keyring::KeySet& keys,
                                            FileKind kind, bool create_if_missing) {
  struct stat st {};
  bool fresh = false;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      return Status::PermissionDenied("vault file " + path +
                                      " cannot be examined: " + std::strerror(errno));
    }
    if (!create_if_missing) {
      return Status::NotFound("vault file " + path +
                              " missing: run `mailrelay keys init` to create the vault, or point "
                              "data_dir at the existing one");
    }
    fresh = true;
  } else if (!S_ISREG(st.st_mode)) {
    return Status::FailedPrecondition("vault file " + path + " is not a regular file");
  } else if (st.st_size == 0) {
    // SQLite would treat it as a new, empty database. A vault file is never empty.
    if (!create_if_missing) {
      return Status::DataLoss("vault file " + path +
                              " is empty (truncated?); restore it from a backup");
    }
    fresh = true;
  }
  MR_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, Db::Open(path, /*create=*/fresh));
  MR_RETURN_IF_ERROR(ApplyKeyAndPragmas(*db, keys));
  auto tables = db->QueryInt("SELECT count(*) FROM sqlite_master");
  if (!tables.ok()) {
    if (tables.status().code() == StatusCode::kDataLoss) {
      return Unreadable(path, keys, tables.status());
    }
    return tables.status();
  }
  if (!fresh) MR_RETURN_IF_ERROR(CheckNotReplaced(path, st));  // see OpenConnection
  if (*tables == 0) {
    if (!fresh) {
      return Status::DataLoss("vault file " + path +
                              " holds no mailrelay schema (an interrupted creation?); delete it "
                              "and run `mailrelay keys init` if it never held data, else restore "
                              "it from a backup");
    }
    // Must precede the first CREATE TABLE to take effect.
    MR_RETURN_IF_ERROR(db->Exec("PRAGMA auto_vacuum = INCREMENTAL"));
  }
  MR_RETURN_IF_ERROR(ApplyConnectionPragmas(*db));
  if (*tables != 0) {
    MR_ASSIGN_OR_RETURN(int64_t has_version,
                        db->QueryInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                     "AND name = 'schema_version'"));
    if (has_version == 0) {
      return Status::FailedPrecondition("vault file " + path +
                                        " is an SQLCipher database but not a mailrelay vault");
    }
  }
  MR_RETURN_IF_ERROR(Migrate(*db, kind, keys.scope()));
  if (uint32_t on_disk = PageKeyVersion(path); on_disk > keys.page_version()) {
    // `keys rotate` re-keyed the file after this process read the key-check file: what is open
    // here is the old, replaced file. Never rewrite the key check from it.
    return Status::Unavailable("vault file " + path + " was re-keyed (page-key version " +
                               std::to_string(on_disk) + ") while it was being opened; try again");
  }
  if (!fresh) {
    // A re-key under another master key (`keys rotate-master`) leaves the version alone: what
    // tells that the open file was replaced is its inode.
    MR_RETURN_IF_ERROR(CheckNotReplaced(path, st));
  }
  const std::string salt_hex = OpenFileSaltHex(*db);
  if (ReadKeyCheck(path, keys, salt_hex) != KeyCheck::kMatches) {
    // The key opened the file, so it is right: the check file is new, stale or lost.
    if (!fresh) log::Warn("vault.keycheck_rewritten").Emit();
    MR_RETURN_IF_ERROR(WriteKeyCheck(path, keys, salt_hex));
  }
  MR_ASSIGN_OR_RETURN(std::string scope,
                      db->QueryText("SELECT value FROM meta WHERE name = 'scope'"));
  if (scope != keys.scope()) {
    return Status::FailedPrecondition("vault file " + path + " belongs to '" + scope + "', not '" +
                                      keys.scope() + "'");
  }
  return db;
}

}  // namespace mailrelay::vault
