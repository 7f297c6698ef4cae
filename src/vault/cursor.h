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

std::string EncodeCursor(const CursorPosition& position);
// Returns the position in `cursor`; kInvalidArgument if it is not one EncodeCursor made.
StatusOr<CursorPosition> DecodeCursor(std::string_view cursor);

}  // namespace mailrelay::vault
