// relay/delivery_id.cc — BLAKE2b (libsodium crypto_generichash) over length-prefixed parts,
// so no two different (message, route, recipients) can be spliced into the same input.
#include "relay/delivery_id.h"

#include <sodium.h>

#include <algorithm>

namespace mailrelay::relay {
namespace {

void Absorb(crypto_generichash_state* state, std::string_view part) {
  unsigned char len[8];
  uint64_t n = part.size();
  for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(n >> (8 * i));
  crypto_generichash_update(state, len, sizeof len);
  crypto_generichash_update(state, reinterpret_cast<const unsigned char*>(part.data()),
                            part.size());
}

}  // namespace

std::string_view StripFirstHeaderField(std::string_view message) {
  size_t pos = 0;
  while (true) {
    size_t eol = message.find('\n', pos);
    if (eol == std::string_view::npos) return {};
    pos = eol + 1;
    if (pos >= message.size() || (message[pos] != ' ' && message[pos] != '\t')) {
      return message.substr(pos);
    }
  }
}

std::string DeliveryId(std::string_view client_message, std::string_view route_id,
                       const std::vector<std::string>& recipients) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, 16);
  Absorb(&state, "mailrelay-delivery-v1");
  Absorb(&state, client_message);
  Absorb(&state, route_id);
  std::vector<std::string> sorted = recipients;  // order is the sender's choice, not identity
  std::sort(sorted.begin(), sorted.end());
  for (const auto& r : sorted) Absorb(&state, r);
  unsigned char digest[16];
  crypto_generichash_final(&state, digest, sizeof digest);
  char hex[33];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

}  // namespace mailrelay::relay
