#include "auditlog/note.h"

#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <vector>

#include "auditlog/base64.h"

namespace mailrelay::auditlog {
namespace {

constexpr unsigned char kAlgEd25519 = 0x01;
constexpr std::string_view kSigPrefix = "\xE2\x80\x94 ";  // U+2014 EM DASH, space
constexpr size_t kMaxSignatureLines = 100;

bool EnsureSodium() { return sodium_init() >= 0; }

// Returns true if `s` is valid UTF-8 (shortest forms, no surrogates, <= U+10FFFF) with no
// control character other than '\n'.
bool ValidNoteText(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\n') || c == 0x7f) return false;
      ++i;
      continue;
    }
    size_t n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 2, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n;
  }
  return true;
}

std::string HexId(uint32_t id) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", id);
  return buf;
}

}  // namespace

Status CheckKeyName(std::string_view name) {
  if (name.empty() || name.size() > 256) {
    return Status::InvalidArgument("key name must be 1–256 characters");
  }
  for (char c : name) {
    if (c <= 0x20 || c >= 0x7f || c == '+') {
      return Status::InvalidArgument("key name \"" + std::string(name) +
                                     "\" may hold only printable ASCII other than '+' and space");
    }
  }
  return Status::Ok();
}

uint32_t Ed25519KeyId(std::string_view name, const PublicKey& public_key) {
  EnsureSodium();
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(name.data()), name.size());
  const unsigned char sep[2] = {'\n', kAlgEd25519};
  crypto_hash_sha256_update(&st, sep, sizeof sep);
  crypto_hash_sha256_update(&st, public_key.data(), public_key.size());
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&st, digest);
  return (uint32_t{digest[0]} << 24) | (uint32_t{digest[1]} << 16) | (uint32_t{digest[2]} << 8) |
         uint32_t{digest[3]};
}

// --- Ed25519Signer ---

StatusOr<std::unique_ptr<Ed25519Signer>> Ed25519Signer::Generate(std::string name) {
  if (!EnsureSodium()) return Status::Internal("libsodium failed to initialise");
  std::array<uint8_t, crypto_sign_SEEDBYTES> seed;
  randombytes_buf(seed.data(), seed.size());
  auto out = FromSeed(std::move(name),
                      std::string_view(reinterpret_cast<const char*>(seed.data()), seed.size()));
  sodium_memzero(seed.data(), seed.size());
  return out;
}

StatusOr<std::unique_ptr<Ed25519Signer>> Ed25519Signer::FromSeed(std::string name,
                                                                 std::string_view seed) {
  if (!EnsureSodium()) return Status::Internal("libsodium failed to initialise");
  MR_RETURN_IF_ERROR(CheckKeyName(name));
  if (seed.size() != crypto_sign_SEEDBYTES) {
    return Status::InvalidArgument("Ed25519 seed must be 32 bytes");
  }
  std::unique_ptr<Ed25519Signer> s(new Ed25519Signer());
  s->name_ = std::move(name);
  crypto_sign_seed_keypair(s->public_.data(), s->secret_.data(),
                           reinterpret_cast<const unsigned char*>(seed.data()));
  return s;
}

Ed25519Signer::~Ed25519Signer() { sodium_memzero(secret_.data(), secret_.size()); }

StatusOr<Signature> Ed25519Signer::Sign(std::string_view message) const {
  Signature sig;
  if (crypto_sign_detached(sig.data(), nullptr,
                           reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                           secret_.data()) != 0) {
    return Status::Internal("Ed25519 signing failed");
  }
  return sig;
}

// --- NoteVerifier ---

StatusOr<NoteVerifier> NoteVerifier::FromPublicKey(std::string_view name,
                                                   const PublicKey& public_key) {
  MR_RETURN_IF_ERROR(CheckKeyName(name));
  NoteVerifier v;
  v.name_ = std::string(name);
  v.public_ = public_key;
  v.key_id_ = Ed25519KeyId(name, public_key);
  return v;
}

StatusOr<NoteVerifier> NoteVerifier::FromVkey(std::string_view vkey) {
  while (!vkey.empty() && (vkey.back() == '\n' || vkey.back() == '\r' || vkey.back() == ' ')) {
    vkey.remove_suffix(1);
  }
  while (!vkey.empty() && (vkey.front() == ' ' || vkey.front() == '\n')) vkey.remove_prefix(1);
  const size_t p1 = vkey.find('+');
  const size_t p2 = p1 == std::string_view::npos ? p1 : vkey.find('+', p1 + 1);
  if (p2 == std::string_view::npos) {  // the base64 key may itself hold '+'s
    return Status::InvalidArgument("verifier key must be <name>+<hex id>+<base64 key>");
  }
  const std::string_view name = vkey.substr(0, p1);
  const std::string_view hex = vkey.substr(p1 + 1, p2 - p1 - 1);
  const std::string_view b64 = vkey.substr(p2 + 1);
  MR_RETURN_IF_ERROR(CheckKeyName(name));
  uint32_t id = 0;
  if (hex.size() != 8) return Status::InvalidArgument("verifier key: id must be 8 hex digits");
  for (char c : hex) {
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (d < 0) return Status::InvalidArgument("verifier key: id must be lower-case hex");
    id = (id << 4) | static_cast<uint32_t>(d);
  }
  std::optional<std::string> raw = Base64Decode(b64);
  if (!raw) return Status::InvalidArgument("verifier key: key is not base64");
  if (raw->size() != 1 + kEd25519PublicKeySize || static_cast<uint8_t>((*raw)[0]) != kAlgEd25519) {
    return Status::InvalidArgument("verifier key: not an Ed25519 key (0x01 || 32 bytes)");
  }
  PublicKey pk;
  std::copy(raw->begin() + 1, raw->end(), pk.begin());
  MR_ASSIGN_OR_RETURN(NoteVerifier v, FromPublicKey(name, pk));
  if (v.key_id_ != id) {
    return Status::InvalidArgument("verifier key: id " + std::string(hex) +
                                   " does not match the name and key (expected " +
                                   HexId(v.key_id_) + ")");
  }
  return v;
}

std::string NoteVerifier::Vkey() const {
  std::string raw(1, static_cast<char>(kAlgEd25519));
  raw.append(reinterpret_cast<const char*>(public_.data()), public_.size());
  return name_ + "+" + HexId(key_id_) + "+" + Base64Encode(raw);
}

bool NoteVerifier::Verify(std::string_view message, const Signature& signature) const {
  EnsureSodium();
  return crypto_sign_verify_detached(signature.data(),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), public_.data()) == 0;
}

// --- notes ---

StatusOr<std::string> SignNote(std::string_view text, const NoteSigner& signer) {
  if (text.empty() || text.back() != '\n') {
    return Status::InvalidArgument("note text must be non-empty and end with a newline");
  }
  if (text.front() == '\n' || text.find("\n\n") != std::string_view::npos) {
    return Status::InvalidArgument("note text must not contain an empty line");
  }
  if (!ValidNoteText(text)) {
    return Status::InvalidArgument("note text must be UTF-8 without control characters");
  }
  MR_RETURN_IF_ERROR(CheckKeyName(signer.KeyName()));
  MR_ASSIGN_OR_RETURN(Signature sig, signer.Sign(text));
  const uint32_t id = Ed25519KeyId(signer.KeyName(), signer.Public());
  std::string blob = {static_cast<char>(id >> 24), static_cast<char>(id >> 16),
                      static_cast<char>(id >> 8), static_cast<char>(id)};
  blob.append(reinterpret_cast<const char*>(sig.data()), sig.size());
  std::string note(text);
  note += "\n";
  note += kSigPrefix;
  note += signer.KeyName();
  note += " ";
  note += Base64Encode(blob);
  note += "\n";
  return note;
}

StatusOr<std::string> OpenNote(std::string_view note, const NoteVerifier& key, NoteFault* fault) {
  NoteFault ignored;
  NoteFault& why_failed = fault ? *fault : ignored;
  why_failed = NoteFault::kMalformed;
  auto malformed = [](std::string why) {
    return Status::InvalidArgument("malformed note: " + why);
  };
  if (!ValidNoteText(note)) return malformed("not UTF-8 text without control characters");
  const size_t split = note.find("\n\n");
  if (split == std::string_view::npos || note.front() == '\n') {
    return malformed("no blank line before the signatures");
  }
  const std::string_view text = note.substr(0, split + 1);
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n') {
    return malformed("the signature block must be one or more lines ending in a newline");
  }

  std::vector<std::string> others;
  std::optional<std::string> ours;  // the signature bytes of the line naming our key
  size_t lines = 0;
  while (!sigs.empty()) {
    const size_t nl = sigs.find('\n');
    std::string_view line = sigs.substr(0, nl);
    sigs.remove_prefix(nl + 1);
    if (++lines > kMaxSignatureLines) return malformed("more than 100 signature lines");
    if (line.substr(0, kSigPrefix.size()) != kSigPrefix) {
      return malformed("signature line " + std::to_string(lines) + " does not start with \"— \"");
    }
    line.remove_prefix(kSigPrefix.size());
    const size_t sp = line.find(' ');
    if (sp == 0 || sp == std::string_view::npos) {
      return malformed("signature line " + std::to_string(lines) + " has no key name");
    }
    const std::string_view name = line.substr(0, sp);
    std::optional<std::string> blob = Base64Decode(line.substr(sp + 1));
    if (!blob || blob->size() < 5) {
      return malformed("signature line " + std::to_string(lines) + " is not base64 of id || sig");
    }
    const uint32_t id = (uint32_t{static_cast<uint8_t>((*blob)[0])} << 24) |
                        (uint32_t{static_cast<uint8_t>((*blob)[1])} << 16) |
                        (uint32_t{static_cast<uint8_t>((*blob)[2])} << 8) |
                        uint32_t{static_cast<uint8_t>((*blob)[3])};
    if (name == key.name() && id == key.key_id()) {
      if (ours) return malformed("two signature lines by key " + key.name());
      ours = blob->substr(4);
    } else {
      others.push_back(std::string(name) + "+" + HexId(id));
    }
  }
  if (!ours) {
    why_failed = NoteFault::kNoSignature;
    std::string seen;
    for (const std::string& o : others) seen += (seen.empty() ? "" : ", ") + o;
    return Status::Unauthenticated("no signature by key " + key.name() + "+" + HexId(key.key_id()) +
                                   " (signed by: " + seen + ")");
  }
  why_failed = NoteFault::kBadSignature;
  Signature sig{};
  bool valid = ours->size() == sig.size();
  if (valid) {
    std::copy(ours->begin(), ours->end(), sig.begin());
    valid = key.Verify(text, sig);
  }
  if (!valid) {
    return Status::Unauthenticated("signature by key " + key.name() + "+" + HexId(key.key_id()) +
                                   " does not verify");
  }
  why_failed = NoteFault::kNone;
  return std::string(text);
}

}  // namespace mailrelay::auditlog
