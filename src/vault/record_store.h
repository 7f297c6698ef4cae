// vault/record_store.h — the interface a region's record backend implements: sealed records in
// and out, by page, by blind-index prefix, swept and erased. It never sees keys or plaintext.
//
// What a backend holds: StoredRecord (plain columns, sealed fields, 8-byte blind-index
// prefixes, expiries) and the region's wrapped keys (ciphertext under the relay's master key,
// reached through WithKeyTable). What it never holds: the master key, field or blind-index keys,
// or a decrypted field. The Vault (vault/region_keys.h) seals, opens and compares; the backend
// stores, finds and deletes. SqlcipherRegionStore (SQLCipher, one file per region) is the default;
// a second backend is one more class and one more RecordStoreFactory (docs/vault.md "Backends").
// Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "keyring/wrapped_key_store.h"
#include "vault/cursor.h"
#include "vault/group_commit.h"
#include "vault/query.h"
#include "vault/record_codec.h"
#include "vault/record_store_factory.h"
#include "vault/sweep_cap.h"
#include "vault/sweep_counts.h"

namespace mailrelay::vault {

// The Vault's part of a write, which a backend calls inside its write transaction, so a key
// change another process committed (`keys rotate`) is seen atomically with the rows written.
class WriteGuard {
 public:
  virtual ~WriteGuard() = default;
  // Before a group of batches: `key_table` reads the wrapped keys inside the same transaction.
  // An error fails every batch of the group.
  virtual Status BeginGroup(keyring::WrappedKeyStore& key_table) = 0;
  // Before one batch's rows are written: may replace its records with ones sealed again under
  // the active key version (from plaintext the guard keeps). An error fails that batch alone.
  virtual Status PrepareBatch(CommitBatch& batch) = 0;
};

// One row an erasure looks at: the backend's row id, and the sealed sender and recipient the
// Vault opens and compares with the subject (nullopt: cleared by the sweep).
struct EraseCandidate {
  int64_t row = 0;
  std::string id;
  std::optional<std::string> sender, recipient;
};

class RecordStore {
 public:
  virtual ~RecordStore() = default;

  // Names the store in messages ("vault file var/vault-eu.db").
  virtual std::string Describe() const = 0;

  // Calls `use` with the region's wrapped-key table (keyring::KeySet loads and refreshes from
  // it); returns what `use` returns.
  virtual Status WithKeyTable(const std::function<Status(keyring::WrappedKeyStore&)>& use) = 0;

  // Durable batch insert, group-committed: Enqueue queues `batch` (sealed records; the WriteGuard
  // runs inside the transaction), Wait blocks until it is durable or failed. All records of a
  // batch are written or none; a duplicate id fails its batch.
  virtual void Enqueue(CommitBatch* batch) = 0;
  virtual Status Wait(CommitBatch* batch) = 0;
  virtual GroupCommitter::Stats commit_stats() const = 0;

  // Returns up to `limit` records matching `query` (its route, status and since; not its
  // cursor or region), newest first (received_at_ms, then id, descending), strictly older than
  // `after` when given.
  virtual StatusOr<std::vector<StoredRecord>> List(const MessageQuery& query,
                                                   const std::optional<CursorPosition>& after,
                                                   size_t limit) = 0;
  // Returns the records whose sender or recipient index is `prefix` (kStoredBlindIndexBytes
  // bytes), each once. Candidates only: the caller opens and compares each.
  virtual StatusOr<std::vector<StoredRecord>> FindByIndexPrefix(std::string_view prefix) = 0;

  // Returns the erasure candidates under index `prefix`, each row once.
  virtual StatusOr<std::vector<EraseCandidate>> EraseCandidates(std::string_view prefix) = 0;
  // Deletes the rows `rows` (EraseCandidate::row), at most `batch` per transaction, so a
  // concurrent writer waits for one batch at most; deleted data is overwritten, not just
  // unlinked. Returns how many rows it deleted (a row already gone counts nothing).
  virtual StatusOr<uint64_t> DeleteRows(const std::vector<int64_t>& rows, size_t batch) = 0;
  // Gives the space of deleted rows back and drops old copies of them (for SQLCipher: free
  // pages and the WAL). Returns false if readers kept old copies alive (the next reclaim does it).
  virtual StatusOr<bool> ReclaimSpace() = 0;

  // Retention sweep as of `now_ms`: deletes records whose expires_at_ms <= now_ms, clears sealed
  // fields whose expiry <= now_ms (a cleared sender or recipient loses its index), reclaims the
  // space; bounded transactions. With `limits` (the region's lifetimes in force), stored
  // expiries beyond them are capped first (vault/sweep_cap.h). With `dry_run`, only counts.
  // `progress`, when set, is called with the counts so far as the sweep goes.
  virtual StatusOr<SweepCounts> Sweep(int64_t now_ms, bool dry_run, const CapLimits* limits,
                                      const SweepProgress& progress) = 0;

  // Returns ok when every stored byte reads back intact; else kDataLoss naming the store.
  virtual Status Verify() = 0;
};

}  // namespace mailrelay::vault
