// vault/cursor.h — the opaque page cursor of ListMessages: the position (received_at_ms, id)
// of the last record a page returned, as base64url. Internal to vault/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace mailrelay::vault {

struct CursorPosition {
  int64_t received_at_ms = 0;
  std::string id;
};

// History order, newest first by (received_at_ms, id): true when `a` comes before `b`. For
// records and positions alike (anything with those two members).
template <typename A, typename B>
bool NewerInHistory(const A& a, const B& b) {
  if (a.received_at_ms != b.received_at_ms) return a.received_at_ms > b.received_at_ms;
  return a.id > b.id;
}

std::string EncodeCursor(const CursorPosition& position);
// Returns the position in `cursor`; kInvalidArgument if it is not one EncodeCursor made.
StatusOr<CursorPosition> DecodeCursor(std::string_view cursor);

}  // namespace mailrelay::vault
