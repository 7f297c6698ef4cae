// common/ids.cc — ULID-style id generation from libsodium's CSPRNG.
#include "common/ids.h"

#include <sodium.h>

#include <chrono>

namespace mailrelay {

std::string NewSortableId(uint64_t unix_ms) {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  unsigned char bytes[16];
  for (int i = 5; i >= 0; --i) {
    bytes[i] = static_cast<unsigned char>(unix_ms & 0xff);
    unix_ms >>= 8;
  }
  randombytes_buf(bytes + 6, 10);
  // 128 bits → 26 base32 digits, most significant first (the top digit holds 3 bits).
  std::string out(26, '0');
  unsigned __int128 v = 0;
  for (unsigned char b : bytes) v = (v << 8) | b;
  for (int i = 25; i >= 0; --i) {
    out[i] = kAlphabet[static_cast<unsigned>(v & 31)];
    v >>= 5;
  }
  return out;
}

std::string NewSortableId() {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  return NewSortableId(static_cast<uint64_t>(ms));
}

}  // namespace mailrelay
