// api/audit_json.h — the auditor endpoints' query parsing and JSON encoding (pure functions).
//
//   auto q = ParseInclusionQuery({{"index", "3"}, {"size", "8"}});   // q->index == 3, q->size == 8
//   std::string body = InclusionProofJson(answer).dump();           // audit/FORMAT.md §6
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "auditlog/audit_log.h"
#include "common/status.h"

namespace mailrelay::api {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

constexpr uint64_t kAuditEntriesDefaultLimit = 100;
constexpr uint64_t kAuditEntriesMaxLimit = 1000;

struct AuditEntriesQuery {
  uint64_t from = 0;
  uint64_t limit = kAuditEntriesDefaultLimit;
};
struct AuditInclusionQuery {
  uint64_t index = 0;
  uint64_t size = 0;  // 0: the latest checkpoint's size
};
struct AuditConsistencyQuery {
  uint64_t old_size = 0;
  uint64_t size = 0;  // 0: the latest checkpoint's size
};

// Each returns InvalidArgument whose message starts with the parameter's name for an unknown,
// repeated, missing (required) or malformed parameter. Numbers are unsigned decimal, at most
// 18 digits, no sign, no spaces. `limit` is 1..1000 (default 100); `from` defaults to 0;
// `size` given explicitly must be ≥ 1.
StatusOr<AuditEntriesQuery> ParseAuditEntriesQuery(const QueryParams& params);
StatusOr<AuditInclusionQuery> ParseInclusionQuery(const QueryParams& params);
StatusOr<AuditConsistencyQuery> ParseConsistencyQuery(const QueryParams& params);

// {"from": F, "size": S, "entries": [{"index": F+i, "entry": "<stored canonical JSON>"}, …],
//  "next_from": F+n | null}. The entry text is the stored bytes, unchanged: hash it as is
// (FORMAT.md §3). `size` is the latest checkpoint's size; next_from is null once it is reached.
nlohmann::json AuditEntriesJson(uint64_t from, uint64_t size,
                                const std::vector<std::string>& entries);

// FORMAT.md §6: {"index", "size", "leaf_hash", "proof"} (+ "checkpoint" when a signed
// checkpoint of that size was kept), hashes in padded standard base64.
nlohmann::json InclusionProofJson(const auditlog::InclusionAnswer& answer);
// FORMAT.md §6: {"size1", "size2", "proof"} (+ "checkpoint1", "checkpoint2").
nlohmann::json ConsistencyProofJson(const auditlog::ConsistencyAnswer& answer);

}  // namespace mailrelay::api
