// vault/sweep.h — the retention sweep of one region file: deletes records past expires_at_ms,
// clears sealed fields past their <field>_expires_at_ms (the column becomes NULL, which reads
// back as ""; a cleared sender/recipient also loses its blind index), then frees the space
// (secure_delete is on for every connection; incremental_vacuum, WAL checkpoint TRUNCATE).
// Works in short transactions (each holds the write lock ~8 ms, COMMIT included; at most
// `batch` rows; shorter while a writer waits) with a pause after each (vault/sweep_pace.h) so
// a concurrent writer gets in.
// Internal to vault/ (Vault::Sweep is the public surface).
#pragma once

#include <cstdint>
#include <functional>

#include "common/status.h"
#include "vault/sqlite.h"
#include "vault/sweep_cap.h"
#include "vault/sweep_counts.h"

namespace mailrelay::vault {

struct SweepOptions {
  int batch = 1000;                   // rows per transaction at most (the pacer's target ends one)
  const CapLimits* limits = nullptr;  // the region's lifetimes in force: cap longer expiries first
  SweepProgress progress;             // called after each batch
  // Called between batches to let writers in (the store pauses, writing its commits that wait
  // or arrive meanwhile); unset: BatchPacer::Pause.
  std::function<void()> between_batches;
  // Asked after each step of a batch (32 rows): true ends the batch there, so a commit waiting
  // on this connection's writer waits for one step and a small COMMIT, not a whole batch.
  // Unset: batches run to the pacer's budget.
  std::function<bool()> writers_waiting;
};

// Sweeps `db` (a connection to a region file) as of `now_ms`. With `dry_run`, counts what a
// sweep would do and changes nothing (vault/sweep_cap.h for the capping).
StatusOr<SweepCounts> SweepRegion(Db& db, int64_t now_ms, bool dry_run,
                                  const SweepOptions& options = {});

}  // namespace mailrelay::vault
