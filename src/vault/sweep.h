// vault/sweep.h — the retention sweep of one region file: deletes records past expires_at_ms,
// clears sealed fields past their <field>_expires_at_ms (the column becomes NULL, which reads
// back as ""; a cleared sender/recipient also loses its blind index), then frees the space
// (secure_delete is on for every connection; incremental_vacuum, WAL checkpoint TRUNCATE).
// Works in short transactions (8 ms of work, at most `batch` rows) with a pause after each
// (vault/sweep_pace.h) so a concurrent writer gets in; fields first, then whole records.
// Internal to vault/ (Vault::Sweep is the public surface).
#pragma once

#include <cstdint>

#include "common/status.h"
#include "vault/sqlite.h"
#include "vault/sweep_cap.h"
#include "vault/sweep_counts.h"

namespace mailrelay::vault {

// Sweeps `db` (a connection to a region file) as of `now_ms`. With `dry_run`, counts what a
// sweep would do and changes nothing. With `limits` (the region's lifetimes in force), stored
// expiries beyond them are capped first (vault/sweep_cap.h). `progress`, when set, is called
// after each batch.
StatusOr<SweepCounts> SweepRegion(Db& db, int64_t now_ms, bool dry_run, int batch = 1000,
                                  const CapLimits* limits = nullptr,
                                  const SweepProgress& progress = {});

}  // namespace mailrelay::vault
