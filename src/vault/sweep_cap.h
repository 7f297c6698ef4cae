// vault/sweep_cap.h — applies a shortened retention to records written before it: stored
// expiries later than received_at_ms + the lifetime now in force are capped to it (record and
// each sealed field), in bounded transactions, before the sweep deletes and clears. The
// lifetimes last applied are kept in meta ("retention_applied"), so the capping pass (a walk
// of the whole table) runs only when the policy got shorter. Internal to vault/ (sweep.cc).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "common/retention.h"
#include "common/status.h"
#include "vault/record.h"
#include "vault/sqlite.h"

namespace mailrelay::vault {

inline constexpr size_t kFieldCount = kSealedFields.size();

// One region's lifetimes in ms; each field's is at most the record's (a field without a
// lifetime of its own lives as long as its record).
struct CapLimits {
  int64_t record_ms = 0;
  std::array<int64_t, kFieldCount> field_ms{};
  bool operator==(const CapLimits&) const = default;
};
CapLimits CapLimitsFrom(const Lifetimes& lifetimes);
// "record field1 … field6" in ms, the form kept in meta; ParseCapLimits is its inverse.
std::string CapLimitsText(const CapLimits& limits);
std::optional<CapLimits> ParseCapLimits(const std::string& text);
// True when any lifetime in `now` is shorter than in `applied`.
bool Shorter(const CapLimits& now, const CapLimits& applied);

// The expiry columns of one row. `present[i]`: the sealed column is not NULL (not cleared).
struct ExpiryRow {
  int64_t seq = 0, received = 0, expires = 0;
  std::array<std::optional<int64_t>, kFieldCount> field{};
  std::array<bool, kFieldCount> present{};
};
// Caps `row`'s expiries to `limits`; returns true when anything changed. A field expiry that
// reaches the (capped) record expiry becomes nullopt: the field then goes with its record.
bool CapRow(ExpiryRow& row, const CapLimits& limits);

// The columns ReadExpiryRow reads, for "SELECT <ExpiryColumns()> FROM records …".
std::string ExpiryColumns();
ExpiryRow ReadExpiryRow(const Stmt& s);

// Returns true when rows may need capping: no lifetimes applied yet, or `limits` is shorter
// than the ones applied last.
StatusOr<bool> CapNeeded(Db& db, const CapLimits& limits);
// The capping walk over every row in seq order, one chunk at a time, for the sweep's paced
// transactions (vault/sweep.cc): the caller runs each Step inside its own BEGIN IMMEDIATE.
class CapWalk {
 public:
  // When `limits` is only longer than the ones applied, records them at once (its own
  // transaction) and returns a walk that is already done: nothing stored can exceed them.
  static StatusOr<CapWalk> Start(Db& db, const CapLimits& limits);
  // Caps up to `n` rows after the cursor; returns how many it read. 0 = the walk is over: that
  // step records `limits` as applied, in the caller's transaction.
  StatusOr<int> Step(int n);
  // The rows changed so far.
  int64_t capped() const { return capped_; }

 private:
  CapWalk(Db& db, const CapLimits& limits) : db_(&db), limits_(limits) {}
  Db* db_;
  CapLimits limits_;
  Stmt select_, update_;
  bool done_ = false;
  int64_t after_ = 0, capped_ = 0;
};

}  // namespace mailrelay::vault
