// vault/schema.cc — the migrations themselves.
#include "vault/schema.h"

#include <chrono>
#include <vector>

namespace mailrelay::vault {
namespace {

// Shared by both kinds of file: the wrapped keys and the generation that guards them.
constexpr char kKeysV1[] = R"sql(
CREATE TABLE meta (
  name  TEXT PRIMARY KEY,
  value NOT NULL
) WITHOUT ROWID;
CREATE TABLE wrapped_keys (
  purpose       TEXT    NOT NULL,
  version       INTEGER NOT NULL,
  wrapped       BLOB    NOT NULL,
  created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (purpose, version)
) WITHOUT ROWID;
)sql";

// Seven B-trees per insert (was eight): the rowid table and the id, time and route indexes grow
// at their right edges (ids and times increase; rowid tables split appends without leaving
// half-empty pages, which WITHOUT ROWID tables do not), the two blind indexes (8-byte prefixes,
// partial) take random inserts, and one expiry index on next_expiry_ms (the earlier of the
// record's and its fields' expiry) serves both sweeps. See docs/vault.md "Schema".
constexpr char kRecordsV1[] = R"sql(
CREATE TABLE records (
  seq             INTEGER PRIMARY KEY,
  id              TEXT    NOT NULL UNIQUE,
  message_ref     TEXT    NOT NULL,
  received_at_ms  INTEGER NOT NULL,
  expires_at_ms   INTEGER NOT NULL,
  smtp_code       INTEGER NOT NULL,
  http_status     INTEGER NOT NULL,
  processing_ms   INTEGER NOT NULL,
  size            INTEGER NOT NULL,
  account         TEXT    NOT NULL,
  route           TEXT    NOT NULL,
  region          TEXT    NOT NULL,
  key_version     INTEGER NOT NULL,
  sender_ip       BLOB,
  message_id      BLOB,
  sender          BLOB,
  recipient       BLOB,
  subject         BLOB,
  server_response BLOB,
  sender_index    BLOB,
  recipient_index BLOB,
  sender_ip_expires_at_ms       INTEGER,
  message_id_expires_at_ms      INTEGER,
  sender_expires_at_ms          INTEGER,
  recipient_expires_at_ms       INTEGER,
  subject_expires_at_ms         INTEGER,
  server_response_expires_at_ms INTEGER,
  fields_expire_at_ms           INTEGER,
  next_expiry_ms                INTEGER NOT NULL
);
CREATE INDEX records_by_time ON records (received_at_ms, id);
CREATE INDEX records_by_route ON records (route, received_at_ms, id);
CREATE INDEX records_by_sender ON records (sender_index) WHERE sender_index IS NOT NULL;
CREATE INDEX records_by_recipient ON records (recipient_index) WHERE recipient_index IS NOT NULL;
CREATE INDEX records_by_expiry ON records (next_expiry_ms);
)sql";

// Region v2: the blind indexes lead with the record's expiry day. The sweep deletes records in
// expiry order, so their index entries now leave from one contiguous key range instead of one
// random leaf page per row (docs/vault.md "Schema"); a lookup probes each expiry
// day (a month of retention: ~31 probes per index, well under a millisecond). v3 replaces
// both with the blind_index table.
constexpr char kRecordsV2[] = R"sql(
DROP INDEX records_by_sender;
DROP INDEX records_by_recipient;
CREATE INDEX records_by_sender ON records (expires_at_ms / 86400000, sender_index)
  WHERE sender_index IS NOT NULL;
CREATE INDEX records_by_recipient ON records (expires_at_ms / 86400000, recipient_index)
  WHERE recipient_index IS NOT NULL;
)sql";

// Region v3: the blind indexes move out of `records` into one WITHOUT ROWID table, and a new
// record's entries wait in `index_tail` (appended, in seq order, by the insert in
// sqlcipher_region_store.cc) until the writer merges the tail into `blind_index` in one sorted
// pass (vault/blind_index_table.h). A commit then writes no random index leaf: before, each
// record dirtied ~2 random leaves of its expiry day's subtree per transaction; the merge
// dirties each leaf once per thousands of entries. Triggers keep both tables true to `records`
// whoever changes it (sweep, erasure, rotation, another process): a deleted record takes its
// entries along, a changed prefix or expiry day moves them. A record still in the tail has its
// entries only there.
constexpr char kRecordsV3[] = R"sql(
DROP INDEX records_by_sender;
DROP INDEX records_by_recipient;
CREATE TABLE blind_index (
  day  INTEGER NOT NULL,
  term BLOB    NOT NULL,
  seq  INTEGER NOT NULL,
  PRIMARY KEY (day, term, seq)
) WITHOUT ROWID;
CREATE TABLE index_tail (
  seq             INTEGER PRIMARY KEY,
  day             INTEGER NOT NULL,
  sender_index    BLOB,
  recipient_index BLOB
);
INSERT OR IGNORE INTO blind_index (day, term, seq)
  SELECT expires_at_ms / 86400000, sender_index, seq FROM records WHERE sender_index IS NOT NULL
  UNION ALL
  SELECT expires_at_ms / 86400000, recipient_index, seq FROM records
    WHERE recipient_index IS NOT NULL
  ORDER BY 1, 2, 3;
CREATE TRIGGER records_index_delete AFTER DELETE ON records
BEGIN
  DELETE FROM blind_index WHERE day = OLD.expires_at_ms / 86400000
    AND term IN (OLD.sender_index, OLD.recipient_index) AND seq = OLD.seq;
  DELETE FROM index_tail WHERE seq = OLD.seq;
END;
CREATE TRIGGER records_index_update
  AFTER UPDATE OF sender_index, recipient_index, expires_at_ms ON records
  WHEN OLD.sender_index IS NOT NEW.sender_index OR OLD.recipient_index IS NOT NEW.recipient_index
    OR OLD.expires_at_ms / 86400000 IS NOT NEW.expires_at_ms / 86400000
BEGIN
  DELETE FROM blind_index WHERE day = OLD.expires_at_ms / 86400000
    AND term IN (OLD.sender_index, OLD.recipient_index) AND seq = OLD.seq;
  UPDATE index_tail SET day = NEW.expires_at_ms / 86400000, sender_index = NEW.sender_index,
    recipient_index = NEW.recipient_index WHERE seq = NEW.seq;
  INSERT OR IGNORE INTO blind_index (day, term, seq)
    SELECT NEW.expires_at_ms / 86400000, NEW.sender_index, NEW.seq
    WHERE NEW.sender_index IS NOT NULL AND NOT EXISTS (SELECT 1 FROM index_tail WHERE seq = NEW.seq);
  INSERT OR IGNORE INTO blind_index (day, term, seq)
    SELECT NEW.expires_at_ms / 86400000, NEW.recipient_index, NEW.seq
    WHERE NEW.recipient_index IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM index_tail WHERE seq = NEW.seq);
END;
)sql";

// Region v4: the sweep deletes the blind-index entries of the records it deletes in key order,
// after the records, instead of one by one from the delete trigger: while `index_sweep` holds a
// cut-off, a deleted record that expired before it leaves its entries for the sweep's range pass
// (vault/blind_index_table.h), which writes each leaf once instead of once per batch.
constexpr char kRecordsV4[] = R"sql(
CREATE TABLE index_sweep (before_ms INTEGER NOT NULL);
DROP TRIGGER records_index_delete;
CREATE TRIGGER records_index_delete AFTER DELETE ON records
BEGIN
  DELETE FROM blind_index WHERE day = OLD.expires_at_ms / 86400000
    AND term IN (OLD.sender_index, OLD.recipient_index) AND seq = OLD.seq
    AND NOT EXISTS (SELECT 1 FROM index_sweep WHERE OLD.expires_at_ms < before_ms);
  DELETE FROM index_tail WHERE seq = OLD.seq;
END;
)sql";

// control.db v2: the API tokens (vault/token_store.h) and the law-enforcement cases
// (vault/lea_case_store.h). Before v2 each store created its table on first use, so a v1 file
// may already hold them: IF NOT EXISTS keeps those files (and their rows) as they are.
constexpr char kControlV2[] = R"sql(
CREATE TABLE IF NOT EXISTS tokens (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  hash          BLOB    NOT NULL,
  role          TEXT    NOT NULL,
  name          TEXT    NOT NULL,
  created_at_ms INTEGER NOT NULL,
  revoked_at_ms INTEGER
);
CREATE TABLE IF NOT EXISTS lea_cases (
  id           TEXT    PRIMARY KEY,
  opened_at_ms INTEGER NOT NULL,
  body         BLOB    NOT NULL
);
)sql";

// control.db v3: a token may carry an expiry (NULL: none, as every token made before v3).
constexpr char kControlV3[] = R"sql(
ALTER TABLE tokens ADD COLUMN expires_at_ms INTEGER;
)sql";

struct Migration {
  int version;
  const char* sql;
};

std::vector<Migration> Migrations(FileKind kind) {
  if (kind == FileKind::kControl) return {{1, kKeysV1}, {2, kControlV2}, {3, kControlV3}};
  return {{1, kKeysV1}, {1, kRecordsV1}, {2, kRecordsV2}, {3, kRecordsV3}, {4, kRecordsV4}};
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status MigrateLocked(Db& db, FileKind kind, const std::string& scope) {
  MR_RETURN_IF_ERROR(
      db.Exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"));
  MR_ASSIGN_OR_RETURN(int64_t rows, db.QueryInt("SELECT count(*) FROM schema_version"));
  if (rows == 0) MR_RETURN_IF_ERROR(db.Exec("INSERT INTO schema_version VALUES (0)"));
  MR_ASSIGN_OR_RETURN(int64_t current, db.QueryInt("SELECT version FROM schema_version"));
  int latest = LatestSchemaVersion(kind);
  if (current > latest) {
    return Status::FailedPrecondition("vault file " + db.path() + " has schema version " +
                                      std::to_string(current) + " but this mailrelay knows up to " +
                                      std::to_string(latest) + "; upgrade mailrelay");
  }
  for (const Migration& m : Migrations(kind)) {
    if (m.version <= current) continue;
    MR_RETURN_IF_ERROR(db.Exec(m.sql));
  }
  if (current == 0) {
    MR_ASSIGN_OR_RETURN(Stmt meta, db.Prepare("INSERT INTO meta (name, value) VALUES (?1, ?2)"));
    meta.BindText(1, "scope");
    meta.BindText(2, scope);
    MR_RETURN_IF_ERROR(meta.Run());
    meta.Reset();
    meta.BindText(1, "created_at_ms");
    meta.BindInt(2, NowMs());
    MR_RETURN_IF_ERROR(meta.Run());
    meta.Reset();
    meta.BindText(1, "key_generation");
    meta.BindInt(2, 0);
    MR_RETURN_IF_ERROR(meta.Run());
  }
  if (current != latest) {
    MR_ASSIGN_OR_RETURN(Stmt set, db.Prepare("UPDATE schema_version SET version = ?1"));
    set.BindInt(1, latest);
    MR_RETURN_IF_ERROR(set.Run());
  }
  return Status::Ok();
}

}  // namespace

int LatestSchemaVersion(FileKind kind) {
  int latest = 0;
  for (const Migration& m : Migrations(kind)) latest = std::max(latest, m.version);
  return latest;
}

Status Migrate(Db& db, FileKind kind, const std::string& scope) {
  MR_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  Status s = MigrateLocked(db, kind, scope);
  if (!s.ok()) {
    (void)db.Exec("ROLLBACK");
    return s;
  }
  return db.Exec("COMMIT");
}

}  // namespace mailrelay::vault
