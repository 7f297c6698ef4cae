// vault/blind_index_table.h — a region file's blind indexes (schema v3, v4): the sorted
// `blind_index` table, and `index_tail`, where a new record's entries wait for the next merge.
// Lookups read both; the writer merges the tail in one sorted pass (docs/vault.md "Schema").
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "vault/sqlite.h"

namespace mailrelay::vault {

// The tail is merged once it holds this many records. vault_bench, 20 writers on 2 cores: 1,024
// held the write lock 7 ms at the median (10 ms p90) per merge and wrote as many records/s as
// 2,048-8,192 did, whose merges held it 10-36 ms; a lookup reads the tail whole (~10 pages).
inline constexpr int64_t kIndexMergeRows = 1024;

// Appends a new record's entries to the tail: ?1 seq, ?2 expires_at_ms, ?3 sender_index,
// ?4 recipient_index. Run by the insert itself, not by a trigger: a trigger on the insert makes
// SQLite keep a statement journal, and SQLCipher encrypts every page that journal takes (the
// insert's CPU per record more than doubled).
inline constexpr char kAppendToIndexTailSql[] =
    "INSERT INTO index_tail (seq, day, sender_index, recipient_index) "
    "VALUES (?1, ?2 / 86400000, ?3, ?4)";

// Calls `row` with each record (`columns` of `records`, selected by seq) whose sender or
// recipient index is `prefix`, each record once, in seq order. Reads one snapshot: `db` must not
// be in a transaction.
Status ForEachIndexMatch(Db& db, std::string_view prefix, const std::string& columns,
                         const std::function<Status(Stmt&)>& row);

// Records whose entries are still in the tail.
StatusOr<int64_t> CountIndexTail(Db& db);

// Moves every tail entry into `blind_index` in one transaction (sorted, so each leaf page is
// written once) and returns how many records it moved. `db` must not be in a transaction.
StatusOr<int64_t> MergeIndexTail(Db& db);

// The sweep's pass over the entries of the records it deleted (schema v4). Before it deletes
// records, the sweep sets a cut-off just past `now` (never lower than one a failed sweep left):
// while it is set, a record that expired before it leaves its `blind_index` entries behind when
// deleted, by the sweep or anyone else. After the records, SweptEntries walks the entries of
// the days up to the cut-off's once, in key order, and deletes those whose record is gone (each
// leaf written once, where the delete trigger wrote ~2 random leaves per record); the step that
// reaches the end also clears the cut-off, in the same transaction. An entry whose record still
// exists is never deleted.

// The cut-off for a sweep at `now_ms`: every record it deletes (expires_at_ms <= now_ms) is
// under it.
int64_t IndexSweepCutoff(int64_t now_ms);
// Whether a sweep at `now_ms` needs the pass: a row due (a record or only a field: the pass
// then walks today's entries and deletes none), or a cut-off left.
StatusOr<bool> IndexSweepNeeded(Db& db, int64_t now_ms);
// Sets the cut-off (its own transaction) and returns the one in force: the larger of
// `before_ms` and one left.
StatusOr<int64_t> SetIndexSweepCutoff(Db& db, int64_t before_ms);

class SweptEntries {
 public:
  static StatusOr<SweptEntries> Start(Db& db, int64_t cutoff_ms);
  // In the caller's transaction: looks at the next `n` entries (at most) and deletes those
  // whose record is gone; returns how many it looked at (0 = done). Entries of live records are
  // passed over, not read again.
  StatusOr<int> Step(int n);

 private:
  explicit SweptEntries(int64_t last_day) : last_day_(last_day) {}
  struct Position {           // an entry's key
    int64_t day = INT64_MIN;  // before every entry
    std::string term;
    int64_t seq = INT64_MIN;
  };
  int64_t last_day_;
  Position after_;  // the last entry looked at
  bool done_ = false;
  Stmt next_, delete_, clear_;
};

}  // namespace mailrelay::vault
