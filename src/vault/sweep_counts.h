// vault/sweep_counts.h — what one region's retention sweep did (or, dry-run, would do).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace mailrelay::vault {

struct SweepCounts {
  int64_t records_deleted = 0;
  std::map<std::string, int64_t> fields_cleared;  // by field name (kSealedFields), all present
  // Rows whose stored expiries a shorter policy capped (vault/sweep_cap.h).
  int64_t expiries_capped = 0;
  // Expiry partitions removed as whole files (their records are in records_deleted).
  int64_t partitions_dropped = 0;
  // The WAL was truncated (and, if anything changed, incremental_vacuum ran). False when a
  // reader held an old snapshot: the next sweep retries.
  bool space_freed = false;
  // Pacing (not part of the JSON): transactions the sweep ran and the longest write-lock hold.
  int64_t batches = 0;
  int64_t max_batch_hold_us = 0;
};

// Called after each committed sweep batch with the counts so far (a progress line on a TTY).
using SweepProgress = std::function<void(const SweepCounts& so_far)>;

}  // namespace mailrelay::vault
