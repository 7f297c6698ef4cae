// vault/erase.h — erasure of one data subject from one region file (GDPR Art. 17): every record
// whose sender or recipient is the subject is deleted, its cells zeroed (secure_delete), free
// pages returned and the WAL truncated. Internal to vault/ (Vault::EraseSubject is the surface).
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "keyring/key_set.h"
#include "vault/sqlite.h"

namespace mailrelay::vault {

struct RegionErasure {
  uint64_t records = 0;      // records erased (or, in a dry run, that would be)
  bool space_freed = true;   // WAL truncated after the deletes (vault/reclaim.h)
};

// Erases from `db` (a connection to a region file whose keys are `keys`) every record whose
// sender or recipient normalises to `normalized_address`. Candidates come from the blind
// indexes; each is decrypted and compared, so a prefix collision never erases someone else's
// record. Deletes in transactions of at most `batch` rows, then looks again, so records a
// concurrent writer committed meanwhile are erased too. With `dry_run`, only counts.
StatusOr<RegionErasure> EraseSubjectInRegion(Db& db, const keyring::KeySet& keys,
                                             std::string_view normalized_address, bool dry_run,
                                             int batch = 1000);

}  // namespace mailrelay::vault
