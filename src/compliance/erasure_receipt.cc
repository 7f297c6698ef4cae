// compliance/erasure_receipt.cc — see erasure_receipt.h.
#include "compliance/erasure_receipt.h"

#include "common/time_format.h"

namespace mailrelay::compliance {

nlohmann::json BuildErasureReceipt(const ErasureFacts& f) {
  uint64_t total = 0;
  nlohmann::json by_region = nlohmann::json::object();
  for (const auto& [region, n] : f.records_by_region) {
    by_region[region] = n;
    total += n;
  }
  return {
      {"format", kErasureReceiptFormat},
      {"receipt_id", f.receipt_id},
      {"subject_index", f.subject_index},
      {"erased_at", FormatRfc3339(f.erased_at_ms)},
      {"actor", f.actor},
      {"reason", f.reason},
      {"records_erased", {{"total", total}, {"by_region", by_region}}},
      {"space_freed", f.space_freed},
      {"audit_entry",
       {{"log", f.audit_log_origin}, {"index", f.audit_index}, {"tree_size", f.audit_tree_size}}}};
}

}  // namespace mailrelay::compliance
