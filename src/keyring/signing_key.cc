// keyring/signing_key.cc — the wrapped Ed25519 audit signing key.
#include "keyring/signing_key.h"

#include <sodium.h>

#include <algorithm>

namespace mailrelay::keyring {
namespace {

constexpr size_t kSeedBytes = crypto_sign_SEEDBYTES;  // 32, the size every wrapped key has
static_assert(crypto_sign_PUBLICKEYBYTES == 32 && crypto_sign_BYTES == 64);

const WrappedKey* Newest(const WrappedKeySnapshot& snap, std::string_view purpose) {
  const WrappedKey* best = nullptr;
  for (const WrappedKey& w : snap.keys) {
    if (w.purpose == purpose && (best == nullptr || w.version > best->version)) {
      best = &w;
    }
  }
  return best;
}

}  // namespace

StatusOr<std::unique_ptr<SigningKey>> SigningKey::Load(const KeySet& global_keys,
                                                       WrappedKeyStore& store, bool create_missing,
                                                       std::string_view purpose) {
  if (purpose != kPurposeAuditSigning && purpose != kPurposeDocumentSigning) {
    return Status::InvalidArgument("not a signing-key purpose: " + std::string(purpose));
  }
  MR_RETURN_IF_ERROR(EnsureSodium());
  MR_ASSIGN_OR_RETURN(WrappedKeySnapshot snap, store.LoadWrappedKeys());
  if (Newest(snap, purpose) == nullptr) {
    if (!create_missing) {
      return Status::FailedPrecondition(
          "the " + std::string(purpose) +
          " key is missing from control.db; run `mailrelay keys init`");
    }
    MR_ASSIGN_OR_RETURN(SecretBytes seed, SecretBytes::Random(kSeedBytes));
    MR_ASSIGN_OR_RETURN(WrappedKey w, global_keys.Wrap(std::string(purpose), 1, seed));
    Status s = store.InsertWrappedKeys({w});
    // Another process created it first: theirs wins, loaded below.
    if (!s.ok() && s.code() != StatusCode::kAlreadyExists) return s;
    MR_ASSIGN_OR_RETURN(snap, store.LoadWrappedKeys());
  }
  const WrappedKey* w = Newest(snap, purpose);
  if (w == nullptr) return Status::Internal(std::string(purpose) + " key vanished after creation");
  MR_ASSIGN_OR_RETURN(SecretBytes seed, global_keys.Unwrap(*w));
  if (seed.size() != kSeedBytes)
    return Status::DataLoss(std::string(purpose) + " key has a bad length");
  MR_ASSIGN_OR_RETURN(SecretBytes secret, SecretBytes::Allocate(crypto_sign_SECRETKEYBYTES));
  PublicKeyBytes pub{};
  if (crypto_sign_seed_keypair(pub.data(), secret.data(), seed.data()) != 0) {
    return Status::Internal("Ed25519 key pair from seed failed");
  }
  return std::unique_ptr<SigningKey>(new SigningKey(std::move(secret), pub, w->version));
}

StatusOr<SigningKey::SignatureBytes> SigningKey::Sign(std::string_view message) const {
  SignatureBytes sig{};
  if (crypto_sign_detached(sig.data(), nullptr,
                           reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                           secret_.data()) != 0) {
    return Status::Internal("Ed25519 signing failed");
  }
  return sig;
}

}  // namespace mailrelay::keyring
