// compliance/signed_document.cc — see signed_document.h and docs/compliance.md "Signatures".
#include "compliance/signed_document.h"

#include <sodium.h>

#include "auditlog/base64.h"
#include "auditlog/entry.h"

namespace mailrelay::compliance {
namespace {

std::string AsBytes(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

}  // namespace

std::string KeyId(const PublicKey& public_key) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, public_key.data(), public_key.size());
  char hex[17];
  sodium_bin2hex(hex, sizeof hex, digest, 8);
  return hex;
}

StatusOr<nlohmann::json> SignDocument(nlohmann::json document, const keyring::SigningKey& key,
                                      std::string* canonical_out) {
  MR_ASSIGN_OR_RETURN(std::string canonical, auditlog::CanonicalJson(document));
  MR_ASSIGN_OR_RETURN(keyring::SigningKey::SignatureBytes sig, key.Sign(canonical));
  PublicKey pub{};
  std::copy(key.PublicKey().begin(), key.PublicKey().end(), pub.begin());
  nlohmann::json envelope = nlohmann::json::object();
  envelope["document"] = std::move(document);
  envelope["signature"] = {{"algorithm", "Ed25519"},
                           {"key_id", KeyId(pub)},
                           {"public_key", auditlog::Base64Encode(AsBytes(pub.data(), pub.size()))},
                           {"value", auditlog::Base64Encode(AsBytes(sig.data(), sig.size()))}};
  if (canonical_out != nullptr) *canonical_out = std::move(canonical);
  return envelope;
}

Status VerifySignedDocument(const nlohmann::json& envelope, const PublicKey& expected) {
  if (!envelope.is_object() || !envelope.contains("document") || !envelope.contains("signature") ||
      !envelope["signature"].is_object()) {
    return Status::InvalidArgument("not a signed document: need \"document\" and \"signature\"");
  }
  const nlohmann::json& sig = envelope["signature"];
  if (sig.value("algorithm", "") != "Ed25519" || !sig.contains("value") ||
      !sig["value"].is_string()) {
    return Status::InvalidArgument("signature: need algorithm \"Ed25519\" and a base64 value");
  }
  std::optional<std::string> value = auditlog::Base64Decode(sig["value"].get<std::string>());
  if (!value || value->size() != crypto_sign_BYTES) {
    return Status::InvalidArgument("signature value is not 64 bytes of base64");
  }
  MR_ASSIGN_OR_RETURN(std::string canonical, auditlog::CanonicalJson(envelope["document"]));
  if (crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(value->data()),
                                  reinterpret_cast<const unsigned char*>(canonical.data()),
                                  canonical.size(), expected.data()) != 0) {
    return Status::Unauthenticated("signature does not verify with key " + KeyId(expected) +
                                   " (altered document, or signed by another key)");
  }
  return Status::Ok();
}

}  // namespace mailrelay::compliance
