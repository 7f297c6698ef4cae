// auditlog/note.h — C2SP signed notes with Ed25519 keys.
//
// A signed note is the text (one or more lines, each ending in '\n'), a blank line, then one
// or more signature lines "— <key name> <base64(key id || signature)>\n" ("—" is U+2014).
// For Ed25519 the key id is the first 4 bytes (big-endian) of
// SHA-256(key name || "\n" || 0x01 || public key) and the signature covers the text
// exactly. A verifier key is written "<name>+<8 hex digits key id>+<base64(0x01 || key)>".
//
//   Ed25519Signer signer = ...;  // in production the keyring's signer; key bytes stay there
//   StatusOr<std::string> note = SignNote("example.org/log\n3\n...\n", signer);
//   StatusOr<NoteVerifier> v = NoteVerifier::FromVkey(vkey_text);
//   StatusOr<std::string> text = OpenNote(*note, *v);  // verified text, nothing else
//
// Pure apart from signing; NoteVerifier and the functions are thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace mailrelay::auditlog {

inline constexpr size_t kEd25519PublicKeySize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;
using PublicKey = std::array<uint8_t, kEd25519PublicKeySize>;
using Signature = std::array<uint8_t, kEd25519SignatureSize>;

// Returns OK if `name` is a valid key name: 1–256 bytes of printable ASCII other than '+'
// and space. (The signed-note spec allows any UTF-8 without spaces or '+'; we are stricter.)
Status CheckKeyName(std::string_view name);

// Returns the signed-note key id of an Ed25519 key: the first 4 bytes, big-endian, of
// SHA-256(name || "\n" || 0x01 || public_key).
uint32_t Ed25519KeyId(std::string_view name, const PublicKey& public_key);

// Signs notes. The production implementation lives in keyring/ so the private key never
// leaves it; this interface is all auditlog/ sees.
class NoteSigner {
 public:
  virtual ~NoteSigner() = default;
  virtual const std::string& KeyName() const = 0;
  virtual const PublicKey& Public() const = 0;
  // Returns the Ed25519 signature of `message`.
  virtual StatusOr<Signature> Sign(std::string_view message) const = 0;
};

// A NoteSigner holding an Ed25519 key in memory (libsodium); wiped on destruction.
// For tests and tools; thread-safe.
class Ed25519Signer final : public NoteSigner {
 public:
  // Returns a signer with a fresh random key.
  static StatusOr<std::unique_ptr<Ed25519Signer>> Generate(std::string name);
  // Returns the signer whose key is derived from the 32-byte `seed` (RFC 8032 private key).
  static StatusOr<std::unique_ptr<Ed25519Signer>> FromSeed(std::string name, std::string_view seed);
  ~Ed25519Signer() override;
  Ed25519Signer(const Ed25519Signer&) = delete;
  Ed25519Signer& operator=(const Ed25519Signer&) = delete;

  const std::string& KeyName() const override { return name_; }
  const PublicKey& Public() const override { return public_; }
  StatusOr<Signature> Sign(std::string_view message) const override;

 private:
  Ed25519Signer() = default;
  std::string name_;
  PublicKey public_{};
  std::array<uint8_t, 64> secret_{};  // libsodium's seed || public key
};

// A public key that checks note signatures.
class NoteVerifier {
 public:
  // Returns the verifier for "<name>+<hex id>+<base64(0x01 || key)>" (surrounding
  // whitespace is trimmed). InvalidArgument if malformed, the algorithm is not Ed25519 (0x01)
  // or the id does not match the name and key.
  static StatusOr<NoteVerifier> FromVkey(std::string_view vkey);
  // Returns the verifier for `name` and `public_key`. InvalidArgument on a bad name.
  static StatusOr<NoteVerifier> FromPublicKey(std::string_view name, const PublicKey& public_key);

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  const PublicKey& public_key() const { return public_; }
  // Returns the vkey string "<name>+<hex id>+<base64(0x01 || key)>".
  std::string Vkey() const;
  // Returns true if `signature` is a valid Ed25519 signature of `message`.
  bool Verify(std::string_view message, const Signature& signature) const;

 private:
  std::string name_;
  uint32_t key_id_ = 0;
  PublicKey public_{};
};

// Returns the signed note for `text` with one signature by `signer`. InvalidArgument if the
// text is empty, does not end in '\n', has an empty line, is not UTF-8 or has control
// characters other than '\n'.
StatusOr<std::string> SignNote(std::string_view text, const NoteSigner& signer);

// Returns the note's text after checking its signature by `key` — the signature is checked
// before anything in the text is looked at. Signature lines by other keys are allowed and
// ignored. InvalidArgument if the note is malformed; Unauthenticated if no signature line
// has the key's name and id ("no signature by key") or that signature does not verify
// ("signature does not verify"). `fault`, when given, says which.
enum class NoteFault { kNone, kMalformed, kNoSignature, kBadSignature };
StatusOr<std::string> OpenNote(std::string_view note, const NoteVerifier& key,
                               NoteFault* fault = nullptr);

}  // namespace mailrelay::auditlog
