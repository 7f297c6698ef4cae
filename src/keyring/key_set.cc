// keyring/key_set.cc — derivation, wrapping, field sealing, blind indexes, audit pseudonyms.
#include "keyring/key_set.h"

#include <sodium.h>

#include <chrono>
#include <mutex>

#include "keyring/address.h"

namespace mailrelay::keyring {
namespace {

constexpr size_t kKeyBytes = 32;
constexpr unsigned char kSealFormat = 0x01;
constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr size_t kSealHeader = 1 + 4 + kNonceBytes;
static_assert(kSealHeader + kTagBytes == kSealOverhead);

// crypto_kdf contexts (exactly 8 bytes each).
constexpr char kKdfPageContext[] = "mrpage01";
constexpr char kKdfWrapContext[] = "mrwrap01";
constexpr char kKdfScopeRootContext[] = "mrroot01";

void AppendU32(std::string& out, uint32_t v) {
  out += static_cast<char>(v >> 24);
  out += static_cast<char>(v >> 16);
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v);
}

// Length-prefixed, so ("ab","c") and ("a","bc") never produce the same associated data.
void AppendField(std::string& out, std::string_view s) {
  AppendU32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

std::string FieldAd(std::string_view record_id, std::string_view field, std::string_view scope,
                    uint32_t version) {
  std::string ad = "mailrelay/field/v1";
  AppendField(ad, record_id);
  AppendField(ad, field);
  AppendField(ad, scope);
  AppendU32(ad, version);
  return ad;
}

std::string WrapAd(std::string_view scope, std::string_view purpose, uint32_t version) {
  std::string ad = "mailrelay/wrap/v1";
  AppendField(ad, scope);
  AppendField(ad, purpose);
  AppendU32(ad, version);
  return ad;
}

// crypto_kdf takes a 64-bit subkey id; a scope is a name, so its id is a public hash of it.
// Page-key versions after the first hash "/page/<version>" in too (docs/keys.md).
uint64_t ScopeSubkeyId(std::string_view scope, uint32_t page_version = 1) {
  std::string msg = "mailrelay/scope/v1:";
  msg.append(scope);
  if (page_version > 1) msg += "/page/" + std::to_string(page_version);
  unsigned char h[8];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                     nullptr, 0);
  uint64_t id = 0;
  for (int i = 7; i >= 0; --i) id = (id << 8) | h[i];
  return id;
}

StatusOr<SecretBytes> DeriveKey(const SecretBytes& master, std::string_view scope,
                                const char (&context)[9], uint32_t page_version = 1) {
  MR_ASSIGN_OR_RETURN(SecretBytes out, SecretBytes::Allocate(kKeyBytes));
  if (crypto_kdf_derive_from_key(out.data(), out.size(), ScopeSubkeyId(scope, page_version),
                                 context, master.data()) != 0) {
    return Status::Internal("key derivation failed");
  }
  return out;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

KeySet::KeySet(std::string scope, uint32_t page_version, SecretBytes page_key, SecretBytes wrap_key)
    : scope_(std::move(scope)),
      page_version_(page_version),
      page_key_(std::move(page_key)),
      wrap_key_(std::move(wrap_key)) {}

StatusOr<std::unique_ptr<KeySet>> KeySet::Derive(const MasterKey& master, std::string scope,
                                                 uint32_t page_version) {
  if (scope.empty()) return Status::InvalidArgument("key set scope must not be empty");
  if (page_version == 0) return Status::InvalidArgument("page-key versions start at 1");
  MR_ASSIGN_OR_RETURN(SecretBytes page,
                      DeriveKey(master.bytes(), scope, kKdfPageContext, page_version));
  MR_ASSIGN_OR_RETURN(SecretBytes wrap, DeriveKey(master.bytes(), scope, kKdfWrapContext));
  return std::unique_ptr<KeySet>(
      new KeySet(std::move(scope), page_version, std::move(page), std::move(wrap)));
}

StatusOr<MasterKey> KeySet::DeriveScopeRoot(const MasterKey& master, std::string_view scope) {
  if (scope.empty()) return Status::InvalidArgument("key set scope must not be empty");
  MR_ASSIGN_OR_RETURN(SecretBytes root, DeriveKey(master.bytes(), scope, kKdfScopeRootContext));
  return MasterKey(std::move(root));
}

Status KeySet::WithPageKeyHex(const std::function<Status(std::string_view)>& use) const {
  // "x'" + 64 hex + "'" + NUL from sodium_bin2hex.
  MR_ASSIGN_OR_RETURN(SecretBytes text, SecretBytes::Allocate(2 * kKeyBytes + 4));
  char* p = reinterpret_cast<char*>(text.data());
  p[0] = 'x';
  p[1] = '\'';
  sodium_bin2hex(p + 2, 2 * kKeyBytes + 1, page_key_.data(), page_key_.size());
  p[2 + 2 * kKeyBytes] = '\'';
  return use(std::string_view(p, 2 * kKeyBytes + 3));
}

std::string KeySet::KeyCheckValue() const {
  std::string msg = "mailrelay/key-check/v1:" + scope_;
  unsigned char h[32];
  crypto_generichash(h, sizeof h, Bytes(msg), msg.size(), page_key_.data(), page_key_.size());
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  return std::string(hex, 64);
}

StatusOr<WrappedKey> KeySet::Wrap(const std::string& purpose, uint32_t version,
                                  const SecretBytes& key) const {
  WrappedKey w{purpose, version, std::string(kNonceBytes + key.size() + kTagBytes, '\0'), NowMs()};
  auto* out = reinterpret_cast<unsigned char*>(w.wrapped.data());
  randombytes_buf(out, kNonceBytes);
  std::string ad = WrapAd(scope_, purpose, version);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out + kNonceBytes, &clen, key.data(), key.size(),
                                             Bytes(ad), ad.size(), nullptr, out, wrap_key_.data());
  return w;
}

StatusOr<SecretBytes> KeySet::Unwrap(const WrappedKey& w) const {
  std::string what = "wrapped key '" + w.purpose + "' version " + std::to_string(w.version) +
                     " of key set '" + scope_ + "'";
  if (w.wrapped.size() != kNonceBytes + kKeyBytes + kTagBytes) {
    return Status::DataLoss(what + " is malformed (" + std::to_string(w.wrapped.size()) +
                            " bytes)");
  }
  MR_ASSIGN_OR_RETURN(SecretBytes key, SecretBytes::Allocate(kKeyBytes));
  std::string ad = WrapAd(scope_, w.purpose, w.version);
  const unsigned char* in = Bytes(w.wrapped);
  unsigned long long mlen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(key.data(), &mlen, nullptr, in + kNonceBytes,
                                                 w.wrapped.size() - kNonceBytes, Bytes(ad),
                                                 ad.size(), in, wrap_key_.data()) != 0) {
    return Status::DataLoss(what +
                            " failed to unwrap: the key table was altered, or the row belongs "
                            "to another key set");
  }
  return key;
}

StatusOr<WrappedKey> KeySet::Rewrap(const WrappedKey& wrapped, const KeySet& to) const {
  if (to.scope_ != scope_) {
    return Status::InvalidArgument("cannot re-wrap a key of key set '" + scope_ +
                                   "' for key set '" + to.scope_ + "'");
  }
  MR_ASSIGN_OR_RETURN(SecretBytes key, Unwrap(wrapped));
  MR_ASSIGN_OR_RETURN(WrappedKey out, to.Wrap(wrapped.purpose, wrapped.version, key));
  out.created_at_ms = wrapped.created_at_ms;
  // Proves the new row opens under the new wrapping key before anyone relies on it.
  MR_ASSIGN_OR_RETURN(SecretBytes back, to.Unwrap(out));
  if (!back.Equals(key)) {
    return Status::Internal("re-wrapped key '" + wrapped.purpose + "' of key set '" + scope_ +
                            "' does not unwrap to the same key");
  }
  return out;
}

Status KeySet::Load(WrappedKeyStore& store, const std::vector<std::string>& purposes,
                    bool create_missing) {
  MR_ASSIGN_OR_RETURN(WrappedKeySnapshot snap, store.LoadWrappedKeys());
  std::vector<WrappedKey> to_add;
  for (const std::string& purpose : purposes) {
    bool present = false;
    for (const WrappedKey& w : snap.keys) present = present || w.purpose == purpose;
    if (present) continue;
    if (!create_missing) {
      return Status::FailedPrecondition("key set '" + scope_ + "' has no '" + purpose +
                                        "' key; run `mailrelay keys init`");
    }
    MR_ASSIGN_OR_RETURN(SecretBytes fresh, SecretBytes::Random(kKeyBytes));
    MR_ASSIGN_OR_RETURN(WrappedKey w, Wrap(purpose, 1, fresh));
    to_add.push_back(std::move(w));
  }
  if (!to_add.empty()) {
    Status s = store.InsertWrappedKeys(to_add);
    // Another process created them first: theirs win, we load them below.
    if (!s.ok() && s.code() != StatusCode::kAlreadyExists) return s;
  }
  return Reload(store);
}

Status KeySet::Reload(WrappedKeyStore& store) {
  MR_ASSIGN_OR_RETURN(WrappedKeySnapshot snap, store.LoadWrappedKeys());
  std::map<uint32_t, SecretBytes> fields, blinds;
  std::map<std::string, SecretBytes> singles;
  for (const WrappedKey& w : snap.keys) {
    if (w.purpose != kPurposeField && w.purpose != kPurposeBlindIndex &&
        w.purpose != kPurposeAuditPseudonym && w.purpose != kPurposeApiToken) {
      continue;  // a purpose a newer mailrelay added; not ours to use
    }
    MR_ASSIGN_OR_RETURN(SecretBytes key, Unwrap(w));
    if (w.purpose == kPurposeField) {
      fields.emplace(w.version, std::move(key));
    } else if (w.purpose == kPurposeBlindIndex) {
      blinds.emplace(w.version, std::move(key));
    } else {
      singles.insert_or_assign(w.purpose, std::move(key));  // highest version wins (sorted load)
    }
  }
  std::unique_lock lock(mu_);
  field_keys_ = std::move(fields);
  blind_keys_ = std::move(blinds);
  single_keys_ = std::move(singles);
  generation_.store(snap.generation);
  return Status::Ok();
}

StatusOr<bool> KeySet::RefreshIfStale(WrappedKeyStore& store) {
  MR_ASSIGN_OR_RETURN(uint64_t current, store.KeyGeneration());
  if (current == generation_.load()) return false;
  MR_RETURN_IF_ERROR(Reload(store));
  return true;
}

uint32_t KeySet::active_field_version() const {
  std::shared_lock lock(mu_);
  return field_keys_.empty() ? 0 : field_keys_.rbegin()->first;
}

bool KeySet::HasFieldVersion(uint32_t version) const {
  std::shared_lock lock(mu_);
  return field_keys_.count(version) != 0;
}

uint32_t KeySet::active_blind_index_version() const {
  std::shared_lock lock(mu_);
  return blind_keys_.empty() ? 0 : blind_keys_.rbegin()->first;
}

const std::map<uint32_t, SecretBytes>* KeySet::Versions(std::string_view purpose) const {
  if (purpose == kPurposeField) return &field_keys_;
  if (purpose == kPurposeBlindIndex) return &blind_keys_;
  return nullptr;
}

std::vector<uint32_t> KeySet::KeyVersions(std::string_view purpose) const {
  std::shared_lock lock(mu_);
  std::vector<uint32_t> out;
  if (const auto* versions = Versions(purpose)) {
    for (const auto& [version, key] : *versions) out.push_back(version);
  }
  return out;
}

const SecretBytes* KeySet::SingleKey(const std::string& purpose) const {
  auto it = single_keys_.find(purpose);
  return it == single_keys_.end() ? nullptr : &it->second;
}

StatusOr<std::string> KeySet::SealField(std::string_view record_id, std::string_view field,
                                        std::string_view plaintext) const {
  std::shared_lock lock(mu_);
  if (field_keys_.empty()) {
    return Status::FailedPrecondition("key set '" + scope_ + "' has no field key loaded");
  }
  const auto& [version, key] = *field_keys_.rbegin();
  std::string out(kSealHeader + plaintext.size() + kTagBytes, '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  p[0] = kSealFormat;
  p[1] = static_cast<unsigned char>(version >> 24);
  p[2] = static_cast<unsigned char>(version >> 16);
  p[3] = static_cast<unsigned char>(version >> 8);
  p[4] = static_cast<unsigned char>(version);
  randombytes_buf(p + 5, kNonceBytes);
  std::string ad = FieldAd(record_id, field, scope_, version);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(p + kSealHeader, &clen, Bytes(plaintext),
                                             plaintext.size(), Bytes(ad), ad.size(), nullptr, p + 5,
                                             key.data());
  return out;
}

StatusOr<uint32_t> KeySet::SealedKeyVersion(std::string_view sealed) {
  if (sealed.size() < kSealOverhead || static_cast<unsigned char>(sealed[0]) != kSealFormat) {
    return Status::DataLoss("sealed field is malformed (" + std::to_string(sealed.size()) +
                            " bytes, format byte not 0x01)");
  }
  const unsigned char* p = Bytes(sealed);
  return (uint32_t{p[1]} << 24) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 8) | p[4];
}

StatusOr<std::string> KeySet::OpenField(std::string_view record_id, std::string_view field,
                                        std::string_view sealed) const {
  std::string what = "sealed field '" + std::string(field) + "' of record " +
                     std::string(record_id) + " in key set '" + scope_ + "'";
  auto version_or = SealedKeyVersion(sealed);
  if (!version_or.ok()) return version_or.status().WithContext(what);
  uint32_t version = *version_or;
  std::shared_lock lock(mu_);
  auto it = field_keys_.find(version);
  if (it == field_keys_.end()) {
    return Status::FailedPrecondition(what + ": field key version " + std::to_string(version) +
                                      " is not available (it was destroyed)");
  }
  std::string ad = FieldAd(record_id, field, scope_, version);
  std::string out(sealed.size() - kSealOverhead, '\0');
  const unsigned char* p = Bytes(sealed);
  unsigned long long mlen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(out.data()), &mlen, nullptr, p + kSealHeader,
          sealed.size() - kSealHeader, Bytes(ad), ad.size(), p + 5, it->second.data()) != 0) {
    return Status::DataLoss(what + " (key version " + std::to_string(version) +
                            ") failed authentication: it was altered, or it belongs to another "
                            "record, field or region");
  }
  return out;
}

StatusOr<std::string> KeySet::BlindIndex(std::string_view address) const {
  MR_ASSIGN_OR_RETURN(std::vector<std::string> all, BlindIndexes(address));
  return std::move(all.front());
}

StatusOr<std::vector<std::string>> KeySet::BlindIndexes(std::string_view address) const {
  std::string norm = NormalizeAddress(address);
  if (norm.empty()) return Status::InvalidArgument("cannot index an empty address");
  std::shared_lock lock(mu_);
  if (blind_keys_.empty()) {
    return Status::FailedPrecondition("key set '" + scope_ + "' has no blind-index key loaded");
  }
  std::vector<std::string> out;
  for (auto it = blind_keys_.rbegin(); it != blind_keys_.rend(); ++it) {
    std::string index(kBlindIndexBytes, '\0');
    crypto_generichash(reinterpret_cast<unsigned char*>(index.data()), index.size(), Bytes(norm),
                       norm.size(), it->second.data(), it->second.size());
    out.push_back(std::move(index));
  }
  return out;
}

StatusOr<std::string> KeySet::AuditPseudonym(std::string_view address) const {
  std::string norm = NormalizeAddress(address);
  if (norm.empty()) return Status::InvalidArgument("cannot pseudonymise an empty address");
  std::shared_lock lock(mu_);
  const SecretBytes* key = SingleKey(kPurposeAuditPseudonym);
  if (key == nullptr) {
    return Status::FailedPrecondition("key set '" + scope_ + "' has no audit-pseudonym key loaded");
  }
  unsigned char h[32];
  crypto_generichash(h, sizeof h, Bytes(norm), norm.size(), key->data(), key->size());
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  return std::string(hex, 64);
}

StatusOr<std::string> KeySet::ApiTokenHash(uint64_t id, std::string_view secret) const {
  std::shared_lock lock(mu_);
  const SecretBytes* key = SingleKey(kPurposeApiToken);
  if (key == nullptr) {
    return Status::FailedPrecondition("key set '" + scope_ + "' has no api-token key loaded");
  }
  static constexpr char kDomain[] = "mailrelay/api-token/v1";
  unsigned char id_be[8];
  for (int i = 0; i < 8; ++i) id_be[i] = static_cast<unsigned char>(id >> (56 - 8 * i));
  crypto_generichash_state st;
  crypto_generichash_init(&st, key->data(), key->size(), kApiTokenHashBytes);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(kDomain),
                            sizeof kDomain - 1);
  crypto_generichash_update(&st, id_be, sizeof id_be);
  crypto_generichash_update(&st, Bytes(secret), secret.size());
  std::string out(kApiTokenHashBytes, '\0');
  crypto_generichash_final(&st, reinterpret_cast<unsigned char*>(out.data()), out.size());
  sodium_memzero(&st, sizeof st);
  return out;
}

StatusOr<uint32_t> KeySet::AddFieldKeyVersion(WrappedKeyStore& store) {
  MR_ASSIGN_OR_RETURN(std::vector<uint32_t> added, AddKeyVersions(store, {kPurposeField}));
  return added.front();
}

Status KeySet::DestroyFieldKeyVersion(WrappedKeyStore& store, uint32_t version) {
  return DestroyKeyVersion(store, kPurposeField, version);
}

StatusOr<std::vector<uint32_t>> KeySet::AddKeyVersions(WrappedKeyStore& store,
                                                       const std::vector<std::string>& purposes) {
  MR_ASSIGN_OR_RETURN(bool reloaded, RefreshIfStale(store));
  (void)reloaded;
  std::vector<uint32_t> next;
  std::vector<WrappedKey> rows;
  for (const std::string& purpose : purposes) {
    std::vector<uint32_t> held = KeyVersions(purpose);
    if (purpose != kPurposeField && purpose != kPurposeBlindIndex) {
      return Status::InvalidArgument("key purpose '" + purpose + "' has no versions to add");
    }
    next.push_back(held.empty() ? 1 : held.back() + 1);
    MR_ASSIGN_OR_RETURN(SecretBytes fresh, SecretBytes::Random(kKeyBytes));
    MR_ASSIGN_OR_RETURN(WrappedKey w, Wrap(purpose, next.back(), fresh));
    rows.push_back(std::move(w));
  }
  MR_RETURN_IF_ERROR(store.InsertWrappedKeys(rows));
  MR_RETURN_IF_ERROR(Reload(store));
  return next;
}

Status KeySet::DestroyKeyVersion(WrappedKeyStore& store, const std::string& purpose,
                                 uint32_t version) {
  MR_ASSIGN_OR_RETURN(bool reloaded, RefreshIfStale(store));
  (void)reloaded;
  std::vector<uint32_t> held = KeyVersions(purpose);
  if (!held.empty() && version == held.back()) {
    return Status::FailedPrecondition("'" + purpose + "' key version " + std::to_string(version) +
                                      " of key set '" + scope_ +
                                      "' is the active one; add a new version first");
  }
  MR_RETURN_IF_ERROR(store.DeleteWrappedKey(purpose, version));
  return Reload(store);
}

}  // namespace mailrelay::keyring
