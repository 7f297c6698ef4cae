// common/ids.cc — ULID-style id generation from libsodium's CSPRNG.
#include "common/ids.h"

#include <sodium.h>

#include <chrono>
#include <cstring>

namespace mailrelay {
namespace {

// One getrandom(2) per 4 KiB of ids instead of one per id: ids are made per message.
void RandomBytes(unsigned char* out, size_t n) {
  thread_local unsigned char pool[4096];
  thread_local size_t used = sizeof pool;
  if (sizeof pool - used < n) {
    randombytes_buf(pool, sizeof pool);
    used = 0;
  }
  std::memcpy(out, pool + used, n);
  sodium_memzero(pool + used, n);  // an id's randomness is never handed out twice
  used += n;
}

}  // namespace

std::string NewSortableId(uint64_t unix_ms) {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  unsigned char bytes[16];
  for (int i = 5; i >= 0; --i) {
    bytes[i] = static_cast<unsigned char>(unix_ms & 0xff);
    unix_ms >>= 8;
  }
  RandomBytes(bytes + 6, 10);
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
