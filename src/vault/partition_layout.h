// vault/partition_layout.h — expiry partitions: which file a record goes to (by the UTC day by
// whose end its record expires) and what that file is called. Pure arithmetic, no I/O;
// docs/retention.md.
//
//   PartitionId p = PartitionFor(record.expires_at_ms, /*span_days=*/1);
//   data_dir + "/" + PartitionDirName("eu") + "/" + PartitionFileName(p)  //
//   vault-eu.d/2026-12-07+1.db
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailrelay::vault {

inline constexpr int64_t kMsPerDay = 86'400'000;
inline constexpr int kMaxPartitionSpanDays = 31;

// The expiries after the start of first_day and up to the start of first_day + span_days (days
// since 1970-01-01 UTC): a record the retention policy rounds down to a span boundary
// (RetentionPolicy::expiry_round_days) expires at its partition's end, with all the others.
struct PartitionId {
  int64_t first_day = 0;
  int span_days = 1;
  friend bool operator==(const PartitionId&, const PartitionId&) = default;
  friend auto operator<=>(const PartitionId&, const PartitionId&) = default;
};

// Returns the partition of span `span_days` (1..kMaxPartitionSpanDays) holding `expires_at_ms`.
// Spans are aligned on multiples of span_days from the epoch, so a span names its files alone.
PartitionId PartitionFor(int64_t expires_at_ms, int span_days);

// Returns the partition's last possible expiry: its end (exclusive of the next span's expiries).
int64_t PartitionEndMs(const PartitionId& p);

// Returns whether every record the partition can hold has expired as of `now_ms` (a record
// is due when expires_at_ms <= now): from its end on, so the file can go whole.
bool PartitionExpired(const PartitionId& p, int64_t now_ms);

// "2026-12-07+1.db": the first day and the span. ParsePartitionFileName is its inverse and
// returns nullopt for any other name (so stray files in the directory are never taken for one).
std::string PartitionFileName(const PartitionId& p);
std::optional<PartitionId> ParsePartitionFileName(std::string_view name);

// The directory of a region's partitions, beside vault-<region>.db: "vault-eu.d".
std::string PartitionDirName(std::string_view region);

// The key-set scope of a partition's page key: "eu/2026-12-07+1". A scope of its own gives each
// file its own SQLCipher key, derived from the master key like the region file's.
std::string PartitionScope(std::string_view region, const PartitionId& p);

}  // namespace mailrelay::vault
