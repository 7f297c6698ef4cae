// vault/record_codec.cc — sealing and opening whole records.
#include "vault/record_codec.h"

#include <algorithm>

#include "keyring/address.h"

namespace mailrelay::vault {
namespace {

std::array<const std::string*, kSealedFields.size()> PersonalFields(const MetadataRecord& r) {
  return {&r.sender_ip, &r.message_id, &r.sender, &r.recipient, &r.subject, &r.server_response};
}

std::array<std::string*, kSealedFields.size()> PersonalFields(MetadataRecord& r) {
  return {&r.sender_ip, &r.message_id, &r.sender, &r.recipient, &r.subject, &r.server_response};
}

StatusOr<std::optional<std::string>> IndexOf(const keyring::KeySet& keys,
                                             const std::string& address) {
  if (keyring::NormalizeAddress(address).empty()) return std::optional<std::string>();
  MR_ASSIGN_OR_RETURN(std::string index, keys.BlindIndex(address));
  index.resize(kStoredBlindIndexBytes);
  return std::optional<std::string>(std::move(index));
}

}  // namespace

bool IsValidRecordId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' ||
           c == '_';
  });
}

StatusOr<StoredRecord> SealRecord(const keyring::KeySet& keys, const MetadataRecord& r) {
  if (!IsValidRecordId(r.id)) {
    return Status::InvalidArgument("record id must be 1-64 characters of [A-Za-z0-9_-]");
  }
  if (r.message_id_ref.empty()) {
    return Status::InvalidArgument("record " + r.id + ": message_id_ref is empty");
  }
  if (r.region != keys.scope()) {
    return Status::InvalidArgument("record " + r.id + ": region '" + r.region +
                                   "' does not match the store's region '" + keys.scope() + "'");
  }
  StoredRecord s;
  s.id = r.id;
  s.message_ref = r.message_id_ref;
  s.account = r.account;
  s.route = r.route;
  s.region = r.region;
  s.received_at_ms = r.received_at_ms;
  s.expires_at_ms = r.expires_at_ms;
  s.processing_ms = r.processing_ms;
  s.size = r.size;
  s.smtp_code = r.smtp_code;
  s.http_status = r.http_status;
  for (const auto& [field, at] : r.field_expires_at_ms) {
    auto it = std::find(kSealedFields.begin(), kSealedFields.end(), field);
    if (it == kSealedFields.end()) {
      return Status::InvalidArgument("record " + r.id + ": field expiry for '" + field +
                                     "', which is not a personal field (sender_ip, message_id, "
                                     "sender, recipient, subject, server_response)");
    }
    s.field_expires_at_ms[static_cast<size_t>(it - kSealedFields.begin())] = at;
    s.fields_expire_at_ms = std::min(s.fields_expire_at_ms.value_or(at), at);
  }
  // Seal everything under one version; if a rotation lands in between, seal again.
  for (int attempt = 0; attempt < 3; ++attempt) {
    s.key_version = keys.active_field_version();
    auto fields = PersonalFields(r);
    bool same_version = true;
    for (size_t i = 0; i < kSealedFields.size() && same_version; ++i) {
      MR_ASSIGN_OR_RETURN(std::string blob, keys.SealField(r.id, kSealedFields[i], *fields[i]));
      MR_ASSIGN_OR_RETURN(uint32_t v, keyring::KeySet::SealedKeyVersion(blob));
      same_version = v == s.key_version;
      s.sealed[i] = std::move(blob);
    }
    if (same_version) break;
    if (attempt == 2) return Status::Unavailable("record " + r.id + ": keys kept changing; retry");
  }
  MR_ASSIGN_OR_RETURN(s.sender_index, IndexOf(keys, r.sender));
  MR_ASSIGN_OR_RETURN(s.recipient_index, IndexOf(keys, r.recipient));
  return s;
}

StatusOr<MetadataRecord> OpenRecord(const keyring::KeySet& keys, const StoredRecord& s) {
  MetadataRecord r;
  r.id = s.id;
  r.message_id_ref = s.message_ref;
  r.account = s.account;
  r.route = s.route;
  r.region = s.region;
  r.received_at_ms = s.received_at_ms;
  r.expires_at_ms = s.expires_at_ms;
  r.processing_ms = s.processing_ms;
  r.size = s.size;
  r.smtp_code = s.smtp_code;
  r.http_status = s.http_status;
  auto fields = PersonalFields(r);
  for (size_t i = 0; i < kSealedFields.size(); ++i) {
    if (s.field_expires_at_ms[i]) {
      r.field_expires_at_ms[std::string(kSealedFields[i])] = *s.field_expires_at_ms[i];
    }
    if (!s.sealed[i]) continue;  // cleared by the sweep
    MR_ASSIGN_OR_RETURN(*fields[i], keys.OpenField(s.id, kSealedFields[i], *s.sealed[i]));
  }
  return r;
}

}  // namespace mailrelay::vault
