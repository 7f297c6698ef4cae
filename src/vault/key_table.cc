// vault/key_table.cc — wrapped keys and the key generation in SQL.
#include "vault/key_table.h"

namespace mailrelay::vault {
namespace {

// Runs `body` inside BEGIN IMMEDIATE … COMMIT, rolling back on failure. Inside a transaction
// the caller opened (a write one: key rotation), `body` joins it and the caller commits.
template <typename F>
Status JoinOrStartWriteTransaction(Db& db, F body) {
  if (db.in_transaction()) return body();
  MR_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  Status s = body();
  if (!s.ok()) {
    (void)db.Exec("ROLLBACK");
    return s;
  }
  return db.Exec("COMMIT");
}

}  // namespace

StatusOr<uint64_t> SqliteKeyStore::KeyGeneration() {
  MR_ASSIGN_OR_RETURN(Stmt s, db_.Prepare("SELECT value FROM meta WHERE name = 'key_generation'"));
  MR_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) {
    return Status::DataLoss("vault file " + db_.path() + " has no key_generation row");
  }
  return static_cast<uint64_t>(s.Int(0));
}

StatusOr<keyring::WrappedKeySnapshot> SqliteKeyStore::LoadLocked() {
  keyring::WrappedKeySnapshot snap;
  MR_ASSIGN_OR_RETURN(snap.generation, KeyGeneration());
  MR_ASSIGN_OR_RETURN(Stmt s, db_.Prepare("SELECT purpose, version, wrapped, created_at_ms "
                                          "FROM wrapped_keys ORDER BY purpose, version"));
  while (true) {
    MR_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    snap.keys.push_back({s.Text(0), static_cast<uint32_t>(s.Int(1)), s.Blob(2), s.Int(3)});
  }
  return snap;
}

StatusOr<keyring::WrappedKeySnapshot> SqliteKeyStore::LoadWrappedKeys() {
  if (db_.in_transaction()) return LoadLocked();
  MR_RETURN_IF_ERROR(db_.Exec("BEGIN"));
  auto snap = LoadLocked();
  MR_RETURN_IF_ERROR(db_.Exec(snap.ok() ? "COMMIT" : "ROLLBACK"));
  return snap;
}

Status SqliteKeyStore::BumpGeneration() {
  MR_ASSIGN_OR_RETURN(
      Stmt s, db_.Prepare("UPDATE meta SET value = value + 1 WHERE name = 'key_generation'"));
  return s.Run();
}

Status SqliteKeyStore::InsertWrappedKeys(const std::vector<keyring::WrappedKey>& keys) {
  return JoinOrStartWriteTransaction(db_, [&]() -> Status {
    MR_ASSIGN_OR_RETURN(Stmt s, db_.Prepare("INSERT INTO wrapped_keys (purpose, version, wrapped, "
                                            "created_at_ms) VALUES (?1, ?2, ?3, ?4)"));
    for (const keyring::WrappedKey& k : keys) {
      s.Reset();
      s.BindText(1, k.purpose);
      s.BindInt(2, k.version);
      s.BindBlob(3, k.wrapped);
      s.BindInt(4, k.created_at_ms);
      MR_RETURN_IF_ERROR(s.Run());
    }
    return BumpGeneration();
  });
}

Status SqliteKeyStore::DeleteWrappedKey(const std::string& purpose, uint32_t version) {
  const bool joined = db_.in_transaction();
  MR_RETURN_IF_ERROR(JoinOrStartWriteTransaction(db_, [&]() -> Status {
    MR_ASSIGN_OR_RETURN(
        Stmt s, db_.Prepare("DELETE FROM wrapped_keys WHERE purpose = ?1 AND version = ?2"));
    s.BindText(1, purpose);
    s.BindInt(2, version);
    MR_RETURN_IF_ERROR(s.Run());
    if (db_.changes() == 0) {
      return Status::NotFound("vault file " + db_.path() + " holds no '" + purpose +
                              "' key version " + std::to_string(version));
    }
    return BumpGeneration();
  }));
  // Best effort: readers in other processes may keep old frames alive until they finish.
  // A caller's transaction checkpoints after its own commit.
  if (joined) return Status::Ok();
  (void)db_.Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  return Status::Ok();
}

}  // namespace mailrelay::vault
