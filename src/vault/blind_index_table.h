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
// records, the sweep sets a cut-off (a UTC day boundary; never lower than one a failed sweep
// left): while it is set, a record that expired before it leaves its `blind_index` entries
// behind when deleted, by the sweep or anyone else. Then DeleteSweptEntries, in the caller's
// transaction, deletes up to `max_entries` entries under the cut-off whose record is gone, in
// key order, and returns how many; the call that finds fewer also clears the cut-off, in the
// same transaction. An entry whose record still exists is never deleted.

// The cut-off for a sweep at `now_ms`: the start of its UTC day.
int64_t IndexSweepCutoff(int64_t now_ms);
// Whether a sweep at `now_ms` needs the pass: entries under its cut-off, or a cut-off left.
StatusOr<bool> IndexSweepNeeded(Db& db, int64_t now_ms);
Status SetIndexSweepCutoff(Db& db, int64_t before_ms);
StatusOr<int> DeleteSweptEntries(Db& db, int max_entries);

}  // namespace mailrelay::vault
