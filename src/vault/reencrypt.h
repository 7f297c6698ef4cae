// vault/reencrypt.h — one bounded batch of a key rotation: records still sealed under an older
// field key are opened and sealed again under the active one, and their blind indexes
// recomputed with the active blind-index key. Internal to vault/ (vault/rotation.h drives it).
#pragma once

#include <cstdint>

#include "common/status.h"
#include "keyring/key_set.h"
#include "vault/rotation_state.h"
#include "vault/sqlite.h"

namespace mailrelay::vault {

struct BatchOutcome {
  uint64_t records = 0;   // rows re-encrypted in this batch (0: none left after the cursor)
  int64_t cursor = 0;     // the new cursor (seq of the last row looked at)
  int64_t locked_ms = 0;  // how long the batch held the write lock (BEGIN IMMEDIATE to COMMIT)
};

// Runs one BEGIN IMMEDIATE transaction on `db` (a region or partition file's own connection):
// refreshes `keys` from `key_table` (the region file's; another process may have moved the
// generation), checks the active versions are
// `state`'s targets, re-encrypts up to `limit` records with seq > state.cursor and key_version
// < state.field_to, and records the new cursor and counts in the same transaction. kDataLoss if
// a record does not open (it names the record and field); kFailedPrecondition if the active
// versions are not the rotation's.
StatusOr<BatchOutcome> ReencryptBatch(Db& db, keyring::WrappedKeyStore& key_table,
                                      keyring::KeySet& keys, RotationState& state, size_t limit);

// Inside a transaction: replaces `state` with the rotation recorded in `db`; kFailedPrecondition
// when that is no longer the same rotation step (another `keys rotate` moved it on).
Status SyncWithStored(Db& db, RotationState& state);

// Returns how many records with seq > `after` are still sealed under a version below
// `field_to` (a scan of the table: for progress and the final check).
StatusOr<uint64_t> CountOlderRecords(Db& db, uint32_t field_to, int64_t after);

}  // namespace mailrelay::vault
