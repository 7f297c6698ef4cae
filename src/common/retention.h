// common/retention.h — the retention policy (policy/retention.json) checked against the DPA's
// commitments (policy/dpa.json): how long a record and each personal field may live, by region.
// Pure: no clock, no vault. docs/retention.md.
//
//   MR_ASSIGN_OR_RETURN(RetentionPolicy p, LoadRetentionPolicy(config.policy_dir));
//   RecordExpiry e = p.ExpiryFor("eu", received_ms);   // e.record_ms, e.fields_ms["sender_ip"]
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace mailrelay {

inline constexpr int64_t kMsPerDay = 86'400'000;

// One region's lifetimes. A field without an entry lives as long as its record.
struct Lifetimes {
  int record_days = 0;
  std::map<std::string, int, std::less<>> field_days;
};

// Returns the lifetimes in `j` ({"record_days": n, "fields": {name: n}}; absent: 0 / none),
// already validated against a schema.
Lifetimes LifetimesFromJson(const nlohmann::json& j);

struct RecordExpiry {
  int64_t record_ms = 0;
  // Only fields that go before the record (a longer field lifetime is the record's).
  std::map<std::string, int64_t> fields_ms;
};

class RetentionPolicy {
 public:
  // The default's lifetimes overlaid with `region`'s entry (if any).
  Lifetimes For(std::string_view region) const;
  RecordExpiry ExpiryFor(std::string_view region, int64_t received_ms) const;

  Lifetimes default_lifetimes;
  // Each region's own entry as written (record_days 0 = the default's).
  std::map<std::string, Lifetimes, std::less<>> region_overrides;
  // With expiry partitions (the config's retention.partition_days N, vault/partition_layout.h):
  // record expiries are rounded down to a multiple of N days from the epoch (UTC), which is
  // where a partition ends, so all of a partition's records expire at once and the sweep
  // removes its file whole. A record then lives more than its lifetime − N days. 0: exact.
  int expiry_round_days = 0;
  std::string source;  // the file it came from, or "<built-in policy/retention.json>"
};

struct DpaLimits {
  int max_record_days = 0;
  std::map<std::string, int, std::less<>> max_field_days;  // unlisted: max_record_days
  std::vector<std::string> allowed_regions;
  std::string source;
};

// Validates `doc` against schemas/retention.schema.json and returns the policy;
// InvalidArgument "<source>: at <pointer>: …" otherwise.
StatusOr<RetentionPolicy> ParseRetention(const nlohmann::json& doc, const std::string& source);
// Validates `doc` against schemas/dpa.schema.json.
StatusOr<DpaLimits> ParseDpa(const nlohmann::json& doc, const std::string& source);

// Returns OK when every region's record and field lifetimes stay within the DPA, and every
// region the policy names is allowed. Otherwise FailedPrecondition naming the retention file,
// the JSON pointer of the offending value, and the DPA limit (file and pointer).
Status CheckAgainstDpa(const RetentionPolicy& policy, const DpaLimits& dpa);

// Reads <policy_dir>/retention.json and <policy_dir>/dpa.json (each replaced by the copy built
// into the binary when the file does not exist), validates both and checks one against the
// other. Errors: InvalidArgument (unreadable JSON, schema), FailedPrecondition (exceeds the DPA).
StatusOr<RetentionPolicy> LoadRetentionPolicy(const std::string& policy_dir);

}  // namespace mailrelay
