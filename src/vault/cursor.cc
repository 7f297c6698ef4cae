// vault/cursor.cc — "v1:<received_at_ms>:<id>" in base64url without padding.
#include "vault/cursor.h"

#include <sodium.h>

#include <charconv>

namespace mailrelay::vault {
namespace {

constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
constexpr size_t kMaxCursor = 256;

bool IsIdChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' ||
         c == '_';
}

Status Invalid() {
  return Status::InvalidArgument(
      "invalid cursor: pass the next_cursor of a previous page unchanged, or none to start");
}

}  // namespace

std::string EncodeCursor(const CursorPosition& position) {
  std::string plain = "v1:" + std::to_string(position.received_at_ms) + ":" + position.id;
  std::string out(sodium_base64_encoded_len(plain.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(plain.data()),
                    plain.size(), kVariant);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

StatusOr<CursorPosition> DecodeCursor(std::string_view cursor) {
  if (cursor.empty() || cursor.size() > kMaxCursor) return Invalid();
  std::string plain(cursor.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(plain.data()), plain.size(), cursor.data(),
                        cursor.size(), nullptr, &len, nullptr, kVariant) != 0) {
    return Invalid();
  }
  plain.resize(len);
  if (plain.rfind("v1:", 0) != 0) return Invalid();
  size_t colon = plain.find(':', 3);
  if (colon == std::string::npos) return Invalid();
  CursorPosition pos;
  const char* first = plain.data() + 3;
  const char* last = plain.data() + colon;
  auto [end, ec] = std::from_chars(first, last, pos.received_at_ms);
  if (ec != std::errc() || end != last || first == last) return Invalid();
  pos.id = plain.substr(colon + 1);
  if (pos.id.empty() || pos.id.size() > 64) return Invalid();
  for (char c : pos.id) {
    if (!IsIdChar(c)) return Invalid();
  }
  return pos;
}

}  // namespace mailrelay::vault
