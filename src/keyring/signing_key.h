// keyring/signing_key.h — the installation's Ed25519 signing keys: one signs audit checkpoints,
// another signs documents (exports, erasure receipts, disclosures). Random (not derived), so
// they can be destroyed; stored wrapped like every destroyable key: in control.db's
// wrapped_keys table (WrappedKeyStore), under their own purpose, wrapped under the
// global key set's wrapping key (XChaCha20-Poly1305, AD = scope + purpose + version, see
// docs/keys.md). The wrapped secret is the 32-byte RFC 8032 seed.
//
//   MR_ASSIGN_OR_RETURN(auto key, SigningKey::Load(global_keys, control_store, true));
//   MR_ASSIGN_OR_RETURN(auto sig, key->Sign(note_text));
//
// Exposes only Sign() and PublicKey(): the key bytes never leave keyring/. auditlog/ sees it
// through a NoteSigner adapter (auditlog/audit_log.h). Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

#include "common/status.h"
#include "keyring/key_set.h"
#include "keyring/secret.h"
#include "keyring/wrapped_key_store.h"

namespace mailrelay::keyring {

inline constexpr char kPurposeAuditSigning[] = "audit-signing";  // control.db only, version 1
// Signs compliance documents (docs/compliance.md); a separate key, so a signature made for one
// use can never be presented as the other.
inline constexpr char kPurposeDocumentSigning[] = "document-signing";  // control.db, version 1

class SigningKey {
 public:
  using PublicKeyBytes = std::array<uint8_t, 32>;
  using SignatureBytes = std::array<uint8_t, 64>;

  // Returns the signing key of `purpose` (kPurposeAuditSigning or kPurposeDocumentSigning)
  // stored in `store` (control.db), unwrapped with `global_keys` (the key set of scope
  // kGlobalScope). With `create_missing`, a missing key is created (random seed, wrapped,
  // inserted; if another process inserted one first, that one is used).
  // Errors: kFailedPrecondition (missing, not creating: run `mailrelay keys init`),
  // kDataLoss (the row does not unwrap: altered, or from another installation).
  static StatusOr<std::unique_ptr<SigningKey>> Load(
      const KeySet& global_keys, WrappedKeyStore& store, bool create_missing,
      std::string_view purpose = kPurposeAuditSigning);

  // Returns the Ed25519 public key.
  const PublicKeyBytes& PublicKey() const { return public_; }
  // Returns the Ed25519 signature (RFC 8032, pure) of `message`.
  StatusOr<SignatureBytes> Sign(std::string_view message) const;
  // Returns the stored version of the key (1 until rotation exists).
  uint32_t version() const { return version_; }

  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;

 private:
  SigningKey(SecretBytes secret, const PublicKeyBytes& pub, uint32_t version)
      : secret_(std::move(secret)), public_(pub), version_(version) {}
  SecretBytes secret_;  // libsodium's 64-byte secret key (seed || public key)
  PublicKeyBytes public_{};
  uint32_t version_ = 0;
};

}  // namespace mailrelay::keyring
