// vault/query.h — message-history queries (`mailrelay messages`, GET /v1/messages).
//
//   MessageQuery q;  q.route = "support";  q.status = MessageStatus::kRejected;  q.limit = 20;
//   MR_ASSIGN_OR_RETURN(MessagePage page, vault.ListMessages(q));
//   q.cursor = page.next_cursor;   // "" when there is nothing more
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "vault/record.h"

namespace mailrelay::vault {

enum class MessageStatus {
  kAny,
  kDelivered,  // smtp_code 2xx (250)
  kRejected,   // smtp_code 5xx
  kDelayed,    // smtp_code 4xx
};

// Returns the status named "delivered", "rejected", "delayed" or "any"; kInvalidArgument else.
StatusOr<MessageStatus> ParseMessageStatus(std::string_view name);

inline constexpr size_t kDefaultPageSize = 50;
inline constexpr size_t kMaxPageSize = 1000;

struct MessageQuery {
  std::optional<std::string> route;  // only this route
  MessageStatus status = MessageStatus::kAny;
  std::optional<int64_t> since_ms;    // only records received at or after this unix ms
  size_t limit = kDefaultPageSize;    // 1..kMaxPageSize; 0 means the default
  std::string cursor;                 // "" = newest first from the start; else a next_cursor
  std::optional<std::string> region;  // only this region (default: all of the vault's)
};

struct MessagePage {
  std::vector<MetadataRecord> records;  // newest first (received_at_ms, then id, descending)
  std::string next_cursor;              // "" when this is the last page
};

}  // namespace mailrelay::vault
