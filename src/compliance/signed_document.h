// compliance/signed_document.h — the signed envelope every compliance document travels in:
// {"document": {...}, "signature": {"algorithm": "Ed25519", "key_id", "public_key", "value"}},
// the signature detached from the document and made over its canonical bytes: the audit log's
// canonical JSON (auditlog/entry.h), which Python reproduces with json.dumps(document,
// sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() — no floats, UTF-8 only.
//
//   MR_ASSIGN_OR_RETURN(nlohmann::json env, SignDocument(bundle, *signing_key));
//   MR_RETURN_IF_ERROR(VerifySignedDocument(env, expected_public_key));
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "keyring/signing_key.h"

namespace mailrelay::compliance {

using PublicKey = std::array<uint8_t, 32>;

// Returns the key id published with a public key: the first 8 bytes of SHA-256 of the key, hex.
std::string KeyId(const PublicKey& public_key);

// Returns the envelope of `document` signed by `key`. kInvalidArgument if the document cannot
// be canonicalised. With `canonical_out`, also returns the canonical bytes that were signed.
StatusOr<nlohmann::json> SignDocument(nlohmann::json document, const keyring::SigningKey& key,
                                      std::string* canonical_out = nullptr);

// Returns Ok when `envelope` is well formed and its signature verifies with `expected` over the
// canonical bytes of its document. kUnauthenticated for a bad signature or another key (the
// envelope's own public_key is never trusted), kInvalidArgument for a malformed envelope.
Status VerifySignedDocument(const nlohmann::json& envelope, const PublicKey& expected);

}  // namespace mailrelay::compliance
