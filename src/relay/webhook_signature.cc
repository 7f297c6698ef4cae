// relay/webhook_signature.cc — HMAC-SHA256 via libsodium (any key length).
#include "relay/webhook_signature.h"

#include <sodium.h>

#include <cstdlib>

namespace mailrelay::relay {
namespace {

void Hmac(std::string_view secret, int64_t unix_time, std::string_view body,
          unsigned char out[crypto_auth_hmacsha256_BYTES]) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  const std::string prefix = std::to_string(unix_time) + ".";
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(prefix.data()),
                                prefix.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(body.data()),
                                body.size());
  crypto_auth_hmacsha256_final(&state, out);
  sodium_memzero(&state, sizeof state);
}

}  // namespace

std::string SignWebhook(std::string_view secret, int64_t unix_time, std::string_view body) {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  Hmac(secret, unix_time, body, mac);
  char hex[crypto_auth_hmacsha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
  return "t=" + std::to_string(unix_time) + ",v1=" + hex;
}

bool VerifyWebhookSignature(std::string_view secret, std::string_view header, std::string_view body,
                            int64_t now, int64_t tolerance_s) {
  int64_t t = 0;
  bool have_t = false;
  std::string v1;
  while (!header.empty()) {
    auto comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    if (item.substr(0, 2) == "t=") {
      std::string digits(item.substr(2));
      char* end = nullptr;
      t = std::strtoll(digits.c_str(), &end, 10);
      have_t = !digits.empty() && end && *end == '\0';
    } else if (item.substr(0, 3) == "v1=") {
      v1 = std::string(item.substr(3));
    }
  }
  if (!have_t || v1.size() != crypto_auth_hmacsha256_BYTES * 2) return false;
  if (t > now + tolerance_s || t < now - tolerance_s) return false;
  unsigned char given[crypto_auth_hmacsha256_BYTES];
  size_t len = 0;
  if (sodium_hex2bin(given, sizeof given, v1.data(), v1.size(), nullptr, &len, nullptr) != 0 ||
      len != sizeof given) {
    return false;
  }
  unsigned char expected[crypto_auth_hmacsha256_BYTES];
  Hmac(secret, t, body, expected);
  return sodium_memcmp(given, expected, sizeof given) == 0;
}

}  // namespace mailrelay::relay
