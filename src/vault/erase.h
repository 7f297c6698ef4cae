// vault/erase.h — erasure of one data subject from one region's store (GDPR Art. 17): every
// record whose sender or recipient is the subject is deleted, its data overwritten and its
// space reclaimed (RecordStore::DeleteRows, ReclaimSpace). The decrypt-and-compare happens here,
// on the Vault's side: the store only hands out sealed candidates and deletes rows by id.
// Internal to vault/ (Vault::EraseSubject is the surface).
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "keyring/key_set.h"
#include "vault/record_store.h"

namespace mailrelay::vault {

struct RegionErasure {
  uint64_t records = 0;     // records erased (or, in a dry run, that would be)
  bool space_freed = true;  // the store reclaimed the space after the deletes
};

// Erases from `store` (a region whose keys are `keys`) every record whose sender or recipient
// normalises to `normalized_address`. Candidates come from the blind indexes; each is decrypted
// and compared, so a prefix collision never erases someone else's record. Deletes in
// transactions of at most `batch` rows, then looks again, so records a concurrent writer
// committed meanwhile are erased too. With `dry_run`, only counts.
StatusOr<RegionErasure> EraseSubjectFromStore(RecordStore& store, const keyring::KeySet& keys,
                                              std::string_view normalized_address, bool dry_run,
                                              size_t batch = 1000);

}  // namespace mailrelay::vault
