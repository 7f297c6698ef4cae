// vault/sweep_json.h — a sweep's counts as JSON (the CLI's output, the audit entry's details):
// {"regions": {"eu": {"records_deleted": n, "fields_cleared": {"sender_ip": n, …},
//  "expiries_capped": n, "partitions_dropped": n}, …}, "records_deleted": total,
//  "fields_cleared": total, "expiries_capped": total, "partitions_dropped": total}.
// Counts only, never personal data.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "vault/sweep_counts.h"

namespace mailrelay::vault {

inline nlohmann::json SweepCountsJson(const std::map<std::string, SweepCounts>& by_region) {
  nlohmann::json regions = nlohmann::json::object();
  int64_t records = 0, fields = 0, capped = 0, dropped = 0;
  for (const auto& [region, c] : by_region) {
    nlohmann::json cleared = nlohmann::json::object();
    for (const auto& [field, n] : c.fields_cleared) {
      cleared[field] = n;
      fields += n;
    }
    records += c.records_deleted;
    capped += c.expiries_capped;
    dropped += c.partitions_dropped;
    regions[region] = {{"records_deleted", c.records_deleted},
                       {"fields_cleared", cleared},
                       {"expiries_capped", c.expiries_capped},
                       {"partitions_dropped", c.partitions_dropped}};
  }
  return {{"regions", regions},
          {"records_deleted", records},
          {"fields_cleared", fields},
          {"expiries_capped", capped},
          {"partitions_dropped", dropped}};
}

}  // namespace mailrelay::vault
