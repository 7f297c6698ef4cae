// keyring/audit_signing_key.cc — the wrapped Ed25519 audit signing key.
#include "keyring/audit_signing_key.h"

#include <sodium.h>

#include <algorithm>

namespace mailrelay::keyring {
namespace {

constexpr size_t kSeedBytes = crypto_sign_SEEDBYTES;  // 32, the size every wrapped key has
static_assert(crypto_sign_PUBLICKEYBYTES == 32 && crypto_sign_BYTES == 64);

const WrappedKey* Newest(const WrappedKeySnapshot& snap) {
  const WrappedKey* best = nullptr;
  for (const WrappedKey& w : snap.keys) {
    if (w.purpose == kPurposeAuditSigning && (best == nullptr || w.version > best->version)) {
      best = &w;
    }
  }
  return best;
}

}  // namespace

StatusOr<std::unique_ptr<AuditSigningKey>> AuditSigningKey::Load(const KeySet& global_keys,
                                                                 WrappedKeyStore& store,
                                                                 bool create_missing) {
  MR_RETURN_IF_ERROR(EnsureSodium());
  MR_ASSIGN_OR_RETURN(WrappedKeySnapshot snap, store.LoadWrappedKeys());
  if (Newest(snap) == nullptr) {
    if (!create_missing) {
      return Status::FailedPrecondition(
          "the audit signing key is missing from control.db; run `mailrelay keys init`");
    }
    MR_ASSIGN_OR_RETURN(SecretBytes seed, SecretBytes::Random(kSeedBytes));
    MR_ASSIGN_OR_RETURN(WrappedKey w, global_keys.Wrap(kPurposeAuditSigning, 1, seed));
    Status s = store.InsertWrappedKeys({w});
    // Another process created it first: theirs wins, loaded below.
    if (!s.ok() && s.code() != StatusCode::kAlreadyExists) return s;
    MR_ASSIGN_OR_RETURN(snap, store.LoadWrappedKeys());
  }
  const WrappedKey* w = Newest(snap);
  if (w == nullptr) return Status::Internal("audit signing key vanished after creation");
  MR_ASSIGN_OR_RETURN(SecretBytes seed, global_keys.Unwrap(*w));
  if (seed.size() != kSeedBytes) return Status::DataLoss("audit signing key has a bad length");
  MR_ASSIGN_OR_RETURN(SecretBytes secret, SecretBytes::Allocate(crypto_sign_SECRETKEYBYTES));
  PublicKeyBytes pub{};
  if (crypto_sign_seed_keypair(pub.data(), secret.data(), seed.data()) != 0) {
    return Status::Internal("Ed25519 key pair from seed failed");
  }
  return std::unique_ptr<AuditSigningKey>(new AuditSigningKey(std::move(secret), pub, w->version));
}

StatusOr<AuditSigningKey::SignatureBytes> AuditSigningKey::Sign(std::string_view message) const {
  SignatureBytes sig{};
  if (crypto_sign_detached(sig.data(), nullptr,
                           reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                           secret_.data()) != 0) {
    return Status::Internal("Ed25519 signing failed");
  }
  return sig;
}

}  // namespace mailrelay::keyring
