// compliance/erasure_receipt.h — the receipt of a data-subject erasure (GDPR Art. 17), as
// schemas/erasure-receipt.schema.json: the subject only by its index, counts, who, why, when.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace mailrelay::compliance {

inline constexpr char kErasureReceiptFormat[] = "mailrelay.erasure-receipt.v1";

struct ErasureFacts {
  std::string receipt_id;
  std::string subject_index;  // the audit pseudonym (64 hex digits); never the address
  int64_t erased_at_ms = 0;
  std::string actor, reason;
  std::map<std::string, uint64_t> records_by_region;
  bool space_freed = true;
  uint64_t audit_index = 0;      // the "subject.erase" entry
  uint64_t audit_tree_size = 0;  // the signed checkpoint that first covers it
  std::string audit_log_origin;
};

// Returns the receipt document (unsigned; signed_document.h signs it).
nlohmann::json BuildErasureReceipt(const ErasureFacts& facts);

}  // namespace mailrelay::compliance
