// keyring/wrapped_key_store.h — where a key set keeps its random keys, wrapped. keyring/
// defines this interface and never touches SQLite; vault/ implements it on each database.
//
// A WrappedKey is ciphertext only: XChaCha20-Poly1305 under the scope's wrapping key (derived
// from the master key), associated data = scope + purpose + version. Destroying a version is
// deleting its row (the store runs with secure_delete) — after that nothing it sealed opens.
//
// Every change to the stored keys moves the store's generation number, in the same
// transaction, so a process that cached the keys notices (KeySet::RefreshIfStale).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace mailrelay::keyring {

// What a key is for. Stored as text in the wrapped-key row and bound into its wrapping.
inline constexpr char kPurposeField[] = "field";                     // sealing fields, versioned
inline constexpr char kPurposeBlindIndex[] = "blind-index";          // per-region lookups
inline constexpr char kPurposeAuditPseudonym[] = "audit-pseudonym";  // global subject names
inline constexpr char kPurposeApiToken[] = "api-token";  // keyed hashes of API tokens (global)

struct WrappedKey {
  std::string purpose;
  uint32_t version = 0;  // 1, 2, …
  std::string wrapped;   // nonce || ciphertext || tag
  int64_t created_at_ms = 0;
};

// Every stored key and the generation they belong to, read consistently.
struct WrappedKeySnapshot {
  uint64_t generation = 0;  // 0 for a store that never held keys
  std::vector<WrappedKey> keys;
};

class WrappedKeyStore {
 public:
  virtual ~WrappedKeyStore() = default;
  // Returns every stored wrapped key with the generation they belong to.
  virtual StatusOr<WrappedKeySnapshot> LoadWrappedKeys() = 0;
  // Returns the current generation (cheap: checked at the start of every write transaction).
  virtual StatusOr<uint64_t> KeyGeneration() = 0;
  // Adds keys and moves the generation, atomically. kAlreadyExists if (purpose, version) is
  // taken — another process got there first; the caller reloads. Must not be called inside
  // another transaction on the same connection.
  virtual Status InsertWrappedKeys(const std::vector<WrappedKey>& keys) = 0;
  // Deletes one key for good and moves the generation, atomically; kNotFound if absent.
  virtual Status DeleteWrappedKey(const std::string& purpose, uint32_t version) = 0;
};

}  // namespace mailrelay::keyring
