// relay/payload.h — the body an endpoint receives for a message, in the route's format:
// `json` (CloudMailin normalised), `multipart` (the same fields as form-data) or `raw`.
#pragma once

#include <string>
#include <string_view>

#include "common/config.h"
#include "common/status.h"
#include "mime/message.h"
#include "relay/json_payload.h"

namespace mailrelay::relay {

struct Payload {
  std::string content_type;
  std::string body;
};

// Returns the payload for `raw_message`, whose parse is `parsed` (unused for `raw`).
// `boundary` is used for the form-data formats and must not occur in the message: pass a
// fresh random token.
Payload BuildPayload(PayloadFormat format, std::string_view raw_message,
                     const mime::Message& parsed, const PayloadEnvelope& envelope,
                     std::string_view boundary);

// Returns a fresh random form-data boundary.
std::string NewBoundary();

}  // namespace mailrelay::relay
