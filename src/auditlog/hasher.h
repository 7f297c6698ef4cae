// auditlog/hasher.h — RFC 6962 / RFC 9162 §2.1.1 Merkle tree hashing with SHA-256.
// Pure and thread-safe.
//
//   Hash leaf = HashLeaf(entry_bytes);          // SHA-256(0x00 || entry_bytes)
//   Hash node = HashChildren(left, right);      // SHA-256(0x01 || left || right)
//   Hash none = EmptyRoot();                    // SHA-256("") — the root of the empty tree
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace mailrelay::auditlog {

inline constexpr size_t kHashSize = 32;
using Hash = std::array<uint8_t, kHashSize>;

// Returns the leaf hash of `data`: SHA-256(0x00 || data). `data` is the exact stored bytes.
Hash HashLeaf(std::string_view data);

// Returns the interior node hash SHA-256(0x01 || left || right).
Hash HashChildren(const Hash& left, const Hash& right);

// Returns the root of the tree with no leaves: SHA-256 of the empty string.
Hash EmptyRoot();

// Returns the 64 lower-case hex digits of `hash`.
std::string ToHex(const Hash& hash);

}  // namespace mailrelay::auditlog
