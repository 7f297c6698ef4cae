// vault/audit_store.cc — the audit log's SQLCipher store (audit.db): append-only tables,
// one write transaction per batch, and the opener that also loads the signing key.
#include "vault/audit_store.h"

#include <cstring>

#include "keyring/key_set.h"
#include "keyring/master_key.h"
#include "vault/key_table.h"
#include "vault/rekey.h"
#include "vault/sqlite.h"
#include "vault/store_file.h"
#include "vault/vault.h"

namespace mailrelay::vault {
namespace {

using auditlog::Hash;
using auditlog::StoredHead;

constexpr int kAuditSchemaVersion = 1;
constexpr unsigned kNodeIndexBits = 48;  // node key = level << 48 | index
constexpr uint64_t kMaxLeaves = uint64_t{1} << kNodeIndexBits;

// Created once, in one BEGIN IMMEDIATE transaction. Only ever appended to: the triggers make
// SQLite itself refuse UPDATE and DELETE, and the code has neither.
constexpr char kAuditSchemaV1[] = R"sql(
CREATE TABLE audit_schema (version INTEGER NOT NULL);
CREATE TABLE audit_entries (
  idx       INTEGER PRIMARY KEY,
  entry     BLOB    NOT NULL,
  leaf_hash BLOB    NOT NULL
);
CREATE TABLE audit_nodes (
  node INTEGER PRIMARY KEY,
  hash BLOB    NOT NULL
);
CREATE TABLE audit_heads (
  generation    INTEGER PRIMARY KEY,
  size          INTEGER NOT NULL,
  root          BLOB    NOT NULL,
  frontier      BLOB    NOT NULL,
  checkpoint    TEXT    NOT NULL,
  created_at_ms INTEGER NOT NULL
);
CREATE INDEX audit_heads_by_size ON audit_heads (size);
CREATE TABLE audit_settings (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
  BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
  BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
CREATE TRIGGER audit_nodes_no_update BEFORE UPDATE ON audit_nodes
  BEGIN SELECT RAISE(ABORT, 'audit nodes are append-only'); END;
CREATE TRIGGER audit_nodes_no_delete BEFORE DELETE ON audit_nodes
  BEGIN SELECT RAISE(ABORT, 'audit nodes are append-only'); END;
CREATE TRIGGER audit_heads_no_update BEFORE UPDATE ON audit_heads
  BEGIN SELECT RAISE(ABORT, 'audit heads are append-only'); END;
CREATE TRIGGER audit_heads_no_delete BEFORE DELETE ON audit_heads
  BEGIN SELECT RAISE(ABORT, 'audit heads are append-only'); END;
CREATE TRIGGER audit_settings_no_update BEFORE UPDATE ON audit_settings
  BEGIN SELECT RAISE(ABORT, 'audit settings are write-once'); END;
CREATE TRIGGER audit_settings_no_delete BEFORE DELETE ON audit_settings
  BEGIN SELECT RAISE(ABORT, 'audit settings are write-once'); END;
)sql";

std::string_view HashBytes(const Hash& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

StatusOr<Hash> ToHash(const std::string& blob, const std::string& what) {
  Hash h{};
  if (blob.size() != h.size()) {
    return Status::DataLoss("audit store: " + what + " is " + std::to_string(blob.size()) +
                            " bytes, not 32");
  }
  std::memcpy(h.data(), blob.data(), h.size());
  return h;
}

int64_t NodeKey(unsigned level, uint64_t index) {
  return static_cast<int64_t>((uint64_t{level} << kNodeIndexBits) | index);
}

Status InTransaction(Db& db, const char* begin, const std::function<Status()>& body) {
  MR_RETURN_IF_ERROR(db.Exec(begin));
  Status s = body();
  if (!s.ok()) {
    (void)db.Exec("ROLLBACK");
    return s;
  }
  s = db.Exec("COMMIT");
  if (!s.ok()) (void)db.Exec("ROLLBACK");
  return s;
}

Status EnsureAuditSchema(Db& db) {
  return InTransaction(db, "BEGIN IMMEDIATE", [&]() -> Status {
    MR_ASSIGN_OR_RETURN(int64_t has,
                        db.QueryInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                    "AND name = 'audit_schema'"));
    if (has == 0) {
      MR_RETURN_IF_ERROR(db.Exec(kAuditSchemaV1));
      MR_ASSIGN_OR_RETURN(Stmt s, db.Prepare("INSERT INTO audit_schema (version) VALUES (?1)"));
      s.BindInt(1, kAuditSchemaVersion);
      return s.Run();
    }
    MR_ASSIGN_OR_RETURN(int64_t version, db.QueryInt("SELECT max(version) FROM audit_schema"));
    if (version > kAuditSchemaVersion) {
      return Status::FailedPrecondition("audit file " + db.path() + " has audit schema version " +
                                        std::to_string(version) + "; upgrade mailrelay");
    }
    return Status::Ok();
  });
}

// Reads one head row: generation, size, root, frontier, checkpoint, created_at_ms.
StatusOr<StoredHead> HeadFromRow(const Stmt& s) {
  StoredHead h;
  h.generation = static_cast<uint64_t>(s.Int(0));
  h.size = static_cast<uint64_t>(s.Int(1));
  MR_ASSIGN_OR_RETURN(h.root, ToHash(s.Blob(2), "head root"));
  std::string frontier = s.Blob(3);
  if (frontier.size() % 32 != 0) return Status::DataLoss("audit store: head frontier malformed");
  for (size_t at = 0; at < frontier.size(); at += 32) {
    MR_ASSIGN_OR_RETURN(Hash f, ToHash(frontier.substr(at, 32), "head frontier"));
    h.frontier.push_back(f);
  }
  h.checkpoint = s.Text(4);
  h.created_at_ms = s.Int(5);
  return h;
}

constexpr char kHeadColumns[] =
    "SELECT generation, size, root, frontier, checkpoint, created_at_ms FROM audit_heads ";

StatusOr<StoredHead> ReadLatestHead(Db& db) {
  MR_ASSIGN_OR_RETURN(Stmt s,
                      db.Prepare(std::string(kHeadColumns) + "ORDER BY generation DESC LIMIT 1"));
  MR_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return StoredHead{};
  return HeadFromRow(s);
}

// Point reads of leaf and subtree hashes on one connection, statements prepared once.
class HashReader {
 public:
  explicit HashReader(Db& db) : db_(db) {}

  StatusOr<Hash> Leaf(uint64_t index) {
    if (!leaf_) {
      MR_ASSIGN_OR_RETURN(Stmt s,
                          db_.Prepare("SELECT leaf_hash FROM audit_entries WHERE idx = ?1"));
      leaf_.emplace(std::move(s));
    }
    Stmt& s = *leaf_;
    s.Reset();
    s.BindInt(1, static_cast<int64_t>(index));
    MR_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return Status::NotFound("audit store: no leaf " + std::to_string(index));
    auto h = ToHash(s.Blob(0), "leaf hash " + std::to_string(index));
    s.Reset();
    return h;
  }

  // Returns the cached subtree hash, nullopt if it is not stored.
  StatusOr<std::optional<Hash>> Node(unsigned level, uint64_t index) {
    if (!node_) {
      MR_ASSIGN_OR_RETURN(Stmt s, db_.Prepare("SELECT hash FROM audit_nodes WHERE node = ?1"));
      node_.emplace(std::move(s));
    }
    Stmt& s = *node_;
    s.Reset();
    s.BindInt(1, NodeKey(level, index));
    MR_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return std::optional<Hash>();
    auto h = ToHash(s.Blob(0), "subtree hash");
    s.Reset();
    if (!h.ok()) return h.status();
    return std::optional<Hash>(*h);
  }

 private:
  Db& db_;
  std::optional<Stmt> leaf_, node_;
};

bool NodeInRange(unsigned level, uint64_t index) {
  return level >= 1 && level < kNodeIndexBits && index < (kMaxLeaves >> level);
}

class WriteTxn final : public auditlog::LogWriteTxn {
 public:
  explicit WriteTxn(Db& db) : db_(db), reader_(db) {}

  StatusOr<uint64_t> Generation() override {
    MR_ASSIGN_OR_RETURN(int64_t g,
                        db_.QueryInt("SELECT coalesce(max(generation), 0) FROM audit_heads"));
    return static_cast<uint64_t>(g);
  }

  StatusOr<StoredHead> LatestHead() override { return ReadLatestHead(db_); }

  Status AppendLeaves(uint64_t first, const std::vector<auditlog::StoredLeaf>& leaves) override {
    if (first + leaves.size() > kMaxLeaves) {
      return Status::ResourceExhausted("audit store: the log is full (2^48 entries)");
    }
    MR_ASSIGN_OR_RETURN(int64_t count,
                        db_.QueryInt("SELECT coalesce(max(idx) + 1, 0) FROM audit_entries"));
    if (static_cast<uint64_t>(count) != first) {
      return Status::FailedPrecondition("audit store: appending at " + std::to_string(first) +
                                        " but the store holds " + std::to_string(count) +
                                        " entries");
    }
    MR_ASSIGN_OR_RETURN(Stmt s, db_.Prepare("INSERT INTO audit_entries (idx, entry, leaf_hash) "
                                            "VALUES (?1, ?2, ?3)"));
    uint64_t at = first;
    for (const auto& leaf : leaves) {
      s.Reset();
      s.BindInt(1, static_cast<int64_t>(at++));
      s.BindBlob(2, leaf.entry);
      s.BindBlob(3, HashBytes(leaf.leaf_hash));
      MR_RETURN_IF_ERROR(s.Run());
    }
    return Status::Ok();
  }

  Status PutSubtrees(const std::vector<auditlog::SubtreeHash>& nodes) override {
    MR_ASSIGN_OR_RETURN(
        Stmt s, db_.Prepare("INSERT OR IGNORE INTO audit_nodes (node, hash) VALUES (?1, ?2)"));
    for (const auto& n : nodes) {
      if (!NodeInRange(n.level, n.index)) {
        return Status::InvalidArgument("audit store: subtree (" + std::to_string(n.level) + ", " +
                                       std::to_string(n.index) + ") out of range");
      }
      s.Reset();
      s.BindInt(1, NodeKey(n.level, n.index));
      s.BindBlob(2, HashBytes(n.hash));
      MR_RETURN_IF_ERROR(s.Run());
    }
    return Status::Ok();
  }

  Status PutHead(const StoredHead& head) override {
    MR_ASSIGN_OR_RETURN(uint64_t generation, Generation());
    if (head.generation != generation + 1) {
      return Status::FailedPrecondition("audit store: head generation " +
                                        std::to_string(head.generation) + " does not follow " +
                                        std::to_string(generation));
    }
    std::string frontier;
    for (const Hash& h : head.frontier) frontier.append(HashBytes(h));
    MR_ASSIGN_OR_RETURN(Stmt s, db_.Prepare("INSERT INTO audit_heads (generation, size, root, "
                                            "frontier, checkpoint, created_at_ms) VALUES "
                                            "(?1, ?2, ?3, ?4, ?5, ?6)"));
    s.BindInt(1, static_cast<int64_t>(head.generation));
    s.BindInt(2, static_cast<int64_t>(head.size));
    s.BindBlob(3, HashBytes(head.root));
    s.BindBlob(4, frontier);
    s.BindText(5, head.checkpoint);
    s.BindInt(6, head.created_at_ms);
    return s.Run();
  }

  Status PutSetting(const std::string& name, const std::string& value) override {
    MR_ASSIGN_OR_RETURN(Stmt q, db_.Prepare("SELECT value FROM audit_settings WHERE name = ?1"));
    q.BindText(1, name);
    MR_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row) {
      if (q.Text(0) == value) return Status::Ok();
      return Status::AlreadyExists("audit store: setting '" + name + "' is already set");
    }
    MR_ASSIGN_OR_RETURN(Stmt s,
                        db_.Prepare("INSERT INTO audit_settings (name, value) VALUES (?1, ?2)"));
    s.BindText(1, name);
    s.BindText(2, value);
    return s.Run();
  }

  StatusOr<Hash> LeafHash(uint64_t index) const override { return reader_.Leaf(index); }

  StatusOr<Hash> PerfectSubtreeHash(unsigned level, uint64_t index) const override {
    if (level == 0) return reader_.Leaf(index);
    if (NodeInRange(level, index)) {
      MR_ASSIGN_OR_RETURN(std::optional<Hash> h, reader_.Node(level, index));
      if (h) return *h;
    }
    return HashSource::PerfectSubtreeHash(level, index);
  }

 private:
  Db& db_;
  mutable HashReader reader_;
};

}  // namespace

AuditStore::~AuditStore() = default;

StatusOr<std::unique_ptr<AuditStore>> AuditStore::Open(const std::string& path,
                                                       const keyring::KeySet& keys,
                                                       bool create_if_missing) {
  std::unique_ptr<AuditStore> store(new AuditStore());
  store->path_ = path;
  {
    // OpenStoreFile reads the file's first bytes through another file descriptor (the
    // key-check salt); closing that descriptor drops every POSIX lock this process holds on
    // the file, including the SHARED lock that tells other processes the WAL is in use (they
    // could then checkpoint and delete the WAL under us, losing our later commits). So the
    // validating connection is closed before the connections we keep are opened.
    MR_ASSIGN_OR_RETURN(std::unique_ptr<Db> validated,
                        OpenStoreFile(path, keys, FileKind::kControl, create_if_missing));
    MR_RETURN_IF_ERROR(EnsureAuditSchema(*validated));
  }
  MR_ASSIGN_OR_RETURN(store->writer_, OpenConnection(path, keys));
  MR_ASSIGN_OR_RETURN(store->reader_, OpenConnection(path, keys));
  // Proofs read O(log n) subtree hashes at random places: a larger page cache keeps the upper
  // levels (and the most recent pages) decrypted. 64 MiB.
  MR_RETURN_IF_ERROR(store->reader_->Exec("PRAGMA cache_size = -65536"));
  return store;
}

Status AuditStore::Write(const std::function<Status(auditlog::LogWriteTxn&)>& body) {
  std::lock_guard lock(write_mu_);
  return InTransaction(*writer_, "BEGIN IMMEDIATE", [&]() -> Status {
    WriteTxn txn(*writer_);
    return body(txn);
  });
}

StatusOr<StoredHead> AuditStore::LatestHead() {
  std::lock_guard lock(read_mu_);
  return ReadLatestHead(*reader_);
}

StatusOr<std::optional<StoredHead>> AuditStore::HeadForSize(uint64_t size) {
  std::lock_guard lock(read_mu_);
  MR_ASSIGN_OR_RETURN(Stmt s, reader_->Prepare(std::string(kHeadColumns) +
                                               "WHERE size = ?1 ORDER BY generation DESC LIMIT 1"));
  s.BindInt(1, static_cast<int64_t>(size));
  MR_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<StoredHead>();
  MR_ASSIGN_OR_RETURN(StoredHead h, HeadFromRow(s));
  return std::optional<StoredHead>(std::move(h));
}

StatusOr<std::vector<std::string>> AuditStore::ReadEntries(uint64_t from, size_t limit) {
  std::lock_guard lock(read_mu_);
  MR_ASSIGN_OR_RETURN(Stmt s, reader_->Prepare("SELECT idx, entry FROM audit_entries WHERE idx >= "
                                               "?1 ORDER BY idx LIMIT ?2"));
  s.BindInt(1, static_cast<int64_t>(std::min<uint64_t>(from, kMaxLeaves)));
  s.BindInt(2, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
  std::vector<std::string> out;
  uint64_t expect = from;
  while (true) {
    MR_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    if (static_cast<uint64_t>(s.Int(0)) != expect) {
      return Status::DataLoss("audit file " + path_ + ": entry " + std::to_string(expect) +
                              " is missing");
    }
    ++expect;
    out.push_back(s.Blob(1));
  }
  return out;
}

StatusOr<std::optional<std::string>> AuditStore::Setting(const std::string& name) {
  std::lock_guard lock(read_mu_);
  MR_ASSIGN_OR_RETURN(Stmt s, reader_->Prepare("SELECT value FROM audit_settings WHERE name = ?1"));
  s.BindText(1, name);
  MR_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(s.Text(0));
}

StatusOr<uint64_t> AuditStore::LeafCount() {
  std::lock_guard lock(read_mu_);
  MR_ASSIGN_OR_RETURN(int64_t n,
                      reader_->QueryInt("SELECT coalesce(max(idx) + 1, 0) FROM audit_entries"));
  return static_cast<uint64_t>(n);
}

StatusOr<Hash> AuditStore::LeafHash(uint64_t index) const {
  std::lock_guard lock(read_mu_);
  HashReader r(*reader_);
  return r.Leaf(index);
}

StatusOr<Hash> AuditStore::PerfectSubtreeHash(unsigned level, uint64_t index) const {
  if (level == 0) return LeafHash(index);
  if (NodeInRange(level, index)) {
    std::optional<Hash> h;
    {
      std::lock_guard lock(read_mu_);
      HashReader r(*reader_);
      MR_ASSIGN_OR_RETURN(h, r.Node(level, index));
    }
    if (h) return *h;
  }
  return HashSource::PerfectSubtreeHash(level, index);
}

StatusOr<AuditFiles> OpenAuditFiles(const AuditFilesOptions& options) {
  if (options.data_dir.empty()) return Status::InvalidArgument("audit log: data_dir is empty");
  AuditFiles files;
  // `keys rotate-master` re-keys both files: complete (or discard) a re-key a crash interrupted
  // before either key check is read (vault/rekey.h).
  for (const char* name : {kControlFileName, kAuditFileName}) {
    MR_ASSIGN_OR_RETURN(bool rekeyed, FinishInterruptedRekey(options.data_dir + "/" + name));
    (void)rekeyed;
  }
  {
    MR_ASSIGN_OR_RETURN(keyring::MasterKey master,
                        keyring::MasterKey::Load(options.master_key_path));
    MR_ASSIGN_OR_RETURN(std::unique_ptr<keyring::KeySet> global,
                        keyring::KeySet::Derive(master, keyring::kGlobalScope));
    MR_ASSIGN_OR_RETURN(std::unique_ptr<keyring::KeySet> audit,
                        keyring::KeySet::Derive(master, kAuditScope));
    {
      std::string control = options.data_dir + "/" + kControlFileName;
      {
        // Validate (and create) with OpenStoreFile, then work on a fresh connection: see
        // AuditStore::Open for why the validating connection is not kept.
        MR_ASSIGN_OR_RETURN(
            std::unique_ptr<Db> validated,
            OpenStoreFile(control, *global, FileKind::kControl, options.create_if_missing));
      }
      MR_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, OpenConnection(control, *global));
      SqliteKeyStore keys(*db);
      auto key = keyring::SigningKey::Load(*global, keys, options.create_if_missing);
      if (!key.ok()) return key.status().WithContext("vault file " + control);
      files.signing_key = std::move(*key);
    }
    MR_ASSIGN_OR_RETURN(files.store, AuditStore::Open(options.data_dir + "/" + kAuditFileName,
                                                      *audit, options.create_if_missing));
  }
  return files;
}

}  // namespace mailrelay::vault
