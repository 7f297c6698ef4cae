// vault/query.cc — parsing of message-history query values.
#include "vault/query.h"

namespace mailrelay::vault {

StatusOr<MessageStatus> ParseMessageStatus(std::string_view name) {
  if (name == "delivered") return MessageStatus::kDelivered;
  if (name == "rejected") return MessageStatus::kRejected;
  if (name == "delayed") return MessageStatus::kDelayed;
  if (name == "any") return MessageStatus::kAny;
  return Status::InvalidArgument("status must be delivered, rejected, delayed or any");
}

}  // namespace mailrelay::vault
