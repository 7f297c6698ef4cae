// keyring/key_set.h — one scope's keys (a region, or "global") and the operations on them.
// Other modules get these operations, never key bytes.
//
//   MR_ASSIGN_OR_RETURN(auto eu, KeySet::Derive(master, "eu"));
//   MR_RETURN_IF_ERROR(eu->Load(store, {kPurposeField, kPurposeBlindIndex}, /*create=*/true));
//   MR_ASSIGN_OR_RETURN(std::string blob, eu->SealField(record_id, "subject", subject));
//   MR_ASSIGN_OR_RETURN(std::string index, eu->BlindIndex("alice@example.com"));
//
// Derived from the master key (crypto_kdf, per scope): the SQLCipher page key and the
// wrapping key. Random and stored wrapped in the scope's own database (WrappedKeyStore): the
// field-encryption keys (one per version, the highest version seals new data), the blind-index
// keys (versioned the same way; `keys rotate` adds one of each), the audit-pseudonym key.
// Formats are in docs/keys.md.
//
// Thread-safe: every const method may run concurrently; Load/RefreshIfStale/Add/Destroy take
// an exclusive lock while they swap the key table.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "keyring/master_key.h"
#include "keyring/secret.h"
#include "keyring/wrapped_key_store.h"

namespace mailrelay::keyring {

class SigningKey;  // signing_key.h: wraps its key with Wrap/Unwrap

inline constexpr char kGlobalScope[] = "global";
inline constexpr size_t kBlindIndexBytes = 16;
// Bytes a sealed field adds to its plaintext: format (1) + key version (4) + nonce (24) + tag (16).
inline constexpr size_t kSealOverhead = 45;
inline constexpr size_t kApiTokenHashBytes = 32;

class KeySet {
 public:
  // Returns the key set of `scope` (a region id such as "eu", or kGlobalScope) with its page
  // and wrapping keys derived from `master`; no random keys are loaded yet. `page_version`
  // picks the SQLCipher page key (1 until the file was re-keyed by `keys rotate`; the wrapping
  // key does not depend on it). kInvalidArgument for version 0.
  static StatusOr<std::unique_ptr<KeySet>> Derive(const MasterKey& master, std::string scope,
                                                  uint32_t page_version = 1);

  // Returns a key that stands in for `master` below `scope` only: the KeySets derived from it
  // are those of the scope's own files (a region's expiry partitions, vault/partition_layout.h).
  // Holding it reaches no key of `master`'s scopes, so a store can keep it to open and create
  // such files without holding the master key.
  static StatusOr<MasterKey> DeriveScopeRoot(const MasterKey& master, std::string_view scope);

  const std::string& scope() const { return scope_; }
  // Returns the page-key version this set was derived with.
  uint32_t page_version() const { return page_version_; }

  // Calls `use` with the SQLCipher raw-key string "x'<64 hex digits>'" held in guarded memory
  // that is wiped when `use` returns; returns what `use` returns. The one place key material
  // is lent out, because SQLCipher needs it; `use` must not copy it.
  Status WithPageKeyHex(const std::function<Status(std::string_view)>& use) const;
  // Returns a public check value (64 hex digits) of the page key: equal values mean the same
  // master key. Stored beside each database so a wrong key is told apart from a corrupt file.
  std::string KeyCheckValue() const;

  // Loads the wrapped keys from `store`. With `create_missing`, first creates version 1 of each
  // of `purposes` the store lacks (random keys, wrapped). Without it, a missing purpose is
  // kFailedPrecondition. A key that fails to unwrap is kDataLoss.
  Status Load(WrappedKeyStore& store, const std::vector<std::string>& purposes,
              bool create_missing);
  // Reloads when the store's generation moved since the last load. Returns true if it did.
  StatusOr<bool> RefreshIfStale(WrappedKeyStore& store);
  // Returns the generation of the keys held now.
  uint64_t generation() const { return generation_.load(); }

  // Returns the field-key version new seals use (the highest one held), 0 if none.
  uint32_t active_field_version() const;
  // Returns whether `version` of the field key is held.
  bool HasFieldVersion(uint32_t version) const;
  // Returns the blind-index key version new indexes use (the highest one held), 0 if none.
  uint32_t active_blind_index_version() const;
  // Returns the held versions of a versioned purpose (kPurposeField, kPurposeBlindIndex),
  // ascending; empty for any other purpose.
  std::vector<uint32_t> KeyVersions(std::string_view purpose) const;

  // Returns the sealed form of `plaintext` for field `field` of record `record_id`:
  // 0x01 || version (u32 BE) || nonce (24) || XChaCha20-Poly1305 ciphertext+tag, with
  // associated data binding record id, field, scope and version.
  StatusOr<std::string> SealField(std::string_view record_id, std::string_view field,
                                  std::string_view plaintext) const;
  // Returns the plaintext of a sealed field. kDataLoss if it is malformed, was altered, or was
  // sealed for another record, field or scope; kFailedPrecondition if its key version is not
  // held (destroyed).
  StatusOr<std::string> OpenField(std::string_view record_id, std::string_view field,
                                  std::string_view sealed) const;
  // Returns the key version a sealed field names, or kDataLoss if it is malformed.
  static StatusOr<uint32_t> SealedKeyVersion(std::string_view sealed);

  // Returns the blind index (kBlindIndexBytes raw bytes) of NormalizeAddress(address): keyed
  // BLAKE2b with this scope's blind-index key. kInvalidArgument for an empty address.
  StatusOr<std::string> BlindIndex(std::string_view address) const;
  // Returns the blind index of `address` under every held blind-index version, the active one
  // first. During a rotation a region holds two, and a lookup must try both.
  StatusOr<std::vector<std::string>> BlindIndexes(std::string_view address) const;
  // Returns the audit pseudonym (64 hex digits) of NormalizeAddress(address): keyed BLAKE2b
  // with the audit-pseudonym key (only the global key set holds one).
  StatusOr<std::string> AuditPseudonym(std::string_view address) const;

  // Returns the keyed hash (kApiTokenHashBytes raw bytes) of API token `id` with secret
  // `secret`: BLAKE2b-256 keyed with the api-token key (only the global key set holds one) over
  // "mailrelay/api-token/v1" || u64be(id) || secret. The id is bound in, so a stored hash
  // moved to another token's row never matches.
  StatusOr<std::string> ApiTokenHash(uint64_t id, std::string_view secret) const;

  // Creates the next field-key version, stores it wrapped and makes it active; returns it.
  StatusOr<uint32_t> AddFieldKeyVersion(WrappedKeyStore& store);
  // Deletes field-key `version` from the store and from memory. What it sealed never opens
  // again. Refuses (kFailedPrecondition) to destroy the only, i.e. active, version.
  Status DestroyFieldKeyVersion(WrappedKeyStore& store, uint32_t version);
  // Creates the next version of each of `purposes` (kPurposeField and/or kPurposeBlindIndex),
  // stores them wrapped in one InsertWrappedKeys call (one generation move) and makes them
  // active; returns the new versions in the order of `purposes`. kInvalidArgument for another
  // purpose; kAlreadyExists if another process added a version first.
  StatusOr<std::vector<uint32_t>> AddKeyVersions(WrappedKeyStore& store,
                                                 const std::vector<std::string>& purposes);
  // Deletes `version` of a versioned purpose from the store and from memory; refuses
  // (kFailedPrecondition) to destroy the active version.
  Status DestroyKeyVersion(WrappedKeyStore& store, const std::string& purpose, uint32_t version);

  // Master-key rotation: returns `wrapped` (a row of this scope's store) unwrapped with this
  // set's wrapping key and wrapped again, fresh nonce, under `to`'s (same scope, derived from
  // the new master key); purpose, version and created_at_ms are kept. Any purpose is accepted,
  // including ones this build does not use. The key itself never leaves keyring/. kDataLoss if
  // the row does not unwrap; kInvalidArgument if `to` has another scope.
  StatusOr<WrappedKey> Rewrap(const WrappedKey& wrapped, const KeySet& to) const;

  KeySet(const KeySet&) = delete;
  KeySet& operator=(const KeySet&) = delete;

 private:
  KeySet(std::string scope, uint32_t page_version, SecretBytes page_key, SecretBytes wrap_key);
  const std::map<uint32_t, SecretBytes>* Versions(std::string_view purpose) const;  // mu_ held
  StatusOr<WrappedKey> Wrap(const std::string& purpose, uint32_t version,
                            const SecretBytes& key) const;
  StatusOr<SecretBytes> Unwrap(const WrappedKey& wrapped) const;
  Status Reload(WrappedKeyStore& store);
  const SecretBytes* SingleKey(const std::string& purpose) const;  // requires mu_ held

  const std::string scope_;
  const uint32_t page_version_;
  const SecretBytes page_key_;
  const SecretBytes wrap_key_;
  mutable std::shared_mutex mu_;
  std::map<uint32_t, SecretBytes> field_keys_;      // guarded by mu_
  std::map<uint32_t, SecretBytes> blind_keys_;      // guarded by mu_
  std::map<std::string, SecretBytes> single_keys_;  // purpose → key; guarded by mu_
  std::atomic<uint64_t> generation_{0};

  friend class SigningKey;  // uses Wrap/Unwrap for its wrapped Ed25519 seed
};

}  // namespace mailrelay::keyring
