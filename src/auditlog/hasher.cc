#include "auditlog/hasher.h"

#include <sodium.h>

#include <algorithm>

namespace mailrelay::auditlog {
namespace {

constexpr unsigned char kLeafPrefix = 0x00;
constexpr unsigned char kNodePrefix = 0x01;

}  // namespace

Hash HashLeaf(std::string_view data) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, &kLeafPrefix, 1);
  crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  Hash out;
  crypto_hash_sha256_final(&st, out.data());
  return out;
}

Hash HashChildren(const Hash& left, const Hash& right) {
  unsigned char buf[1 + 2 * kHashSize];
  buf[0] = kNodePrefix;
  std::copy(left.begin(), left.end(), buf + 1);
  std::copy(right.begin(), right.end(), buf + 1 + kHashSize);
  Hash out;
  crypto_hash_sha256(out.data(), buf, sizeof buf);
  return out;
}

Hash EmptyRoot() {
  Hash out;
  crypto_hash_sha256(out.data(), nullptr, 0);
  return out;
}

std::string ToHex(const Hash& hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * kHashSize);
  for (uint8_t b : hash) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

}  // namespace mailrelay::auditlog
