// relay/webhook_signature.h — X-Mailrelay-Signature: "t=<unix time>,v1=<hex HMAC-SHA256 of
// "t.body">" with the route's secret, so receivers can check origin and reject stale replays.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mailrelay::relay {

// Returns the header value for `body` signed at `unix_time` with `secret`.
std::string SignWebhook(std::string_view secret, int64_t unix_time, std::string_view body);

// Returns true when `header` carries a v1 signature of `body` under `secret` whose t is
// within `tolerance_s` of `now`. Compares in constant time.
bool VerifyWebhookSignature(std::string_view secret, std::string_view header, std::string_view body,
                            int64_t now, int64_t tolerance_s = 300);

}  // namespace mailrelay::relay
