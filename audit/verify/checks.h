// checks.h — the pieces of audit/FORMAT.md that mailrelay-audit-verify checks: entries,
// the Merkle root, verifier keys and signed checkpoints. An implementation of its own: it
// includes nothing from the server's src/. Failures are a Problem with the FORMAT.md §7 code.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace auditverify {

using Digest = std::array<unsigned char, 32>;

struct Problem {
  std::string code;     // e.g. "entry-not-canonical"
  std::string message;  // what and where
};

// A result that is either a value or the first problem found.
template <typename T>
struct Checked {
  std::optional<T> value;
  Problem problem;
  bool ok() const { return value.has_value(); }
};

// --- entries (FORMAT.md §2, §7 step 2) ---

// Returns the entry's "index" if `line` passes checks 1–4 of step 2, else the first failure.
Checked<uint64_t> CheckEntry(std::string_view line);

// --- tree (§3) ---

Digest LeafHash(std::string_view stored);
// Returns MTH over `leaves` (leaf hashes), by pairing neighbours level by level and carrying
// an odd last node up unchanged — the same tree as RFC 9162's recursive definition.
Digest RootOf(const std::vector<Digest>& leaves);

// --- keys, notes, checkpoints (§4, §5) ---

struct Key {
  std::string name;
  std::array<unsigned char, 4> id{};
  std::array<unsigned char, 32> public_key{};
  std::string Label() const;  // "<name>+<hex id>"
};

// Returns the key in a verifier key string, or a reason.
Checked<Key> ParseVkey(std::string_view text);

struct CheckpointBody {
  std::string origin;
  uint64_t size = 0;
  Digest root{};
};

// Opens a signed checkpoint with `key`, signature first (§4, §7 step 3). Problem codes are
// prefixed with `prefix` ("" or "trusted-").
Checked<CheckpointBody> OpenCheckpoint(std::string_view note, const Key& key,
                                       const std::string& prefix);

std::string Base64(const unsigned char* data, size_t len);
std::string Trim(std::string_view s);

}  // namespace auditverify
