// relay/delivery_id.h — the stable idempotency key sent as X-Mailrelay-Delivery-Id: the same
// message retried by the sender to the same route and recipients gets the same key.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mailrelay::relay {

// Returns 32 hex chars: BLAKE2b over the message as the client sent it (our own Received
// header excluded — it differs on every attempt), the route id and the recipients.
std::string DeliveryId(std::string_view client_message, std::string_view route_id,
                       const std::vector<std::string>& recipients);

// Returns `message` without its first header field (the Received field we prepended).
std::string_view StripFirstHeaderField(std::string_view message);

}  // namespace mailrelay::relay
