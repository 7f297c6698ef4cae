// vault/sweep_counts.h — what one region's retention sweep did (or, dry-run, would do).
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace mailrelay::vault {

struct SweepCounts {
  int64_t records_deleted = 0;
  std::map<std::string, int64_t> fields_cleared;  // by field name (kSealedFields), all present
  // Rows whose stored expiries a shorter policy capped (vault/sweep_cap.h).
  int64_t expiries_capped = 0;
  bool space_freed =
      false;  // incremental_vacuum ran and the WAL was truncated (or nothing changed)
};

}  // namespace mailrelay::vault
