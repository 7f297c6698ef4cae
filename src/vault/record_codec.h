// vault/record_codec.h — a MetadataRecord to and from its at-rest form with one region's keys:
// personal fields sealed (keyring::KeySet::SealField), sender/recipient blind-indexed.
// Internal to vault/.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "common/status.h"
#include "keyring/key_set.h"
#include "vault/record.h"

namespace mailrelay::vault {

// Bytes of a blind index kept in the records row and its index: a prefix of the full
// keyring::kBlindIndexBytes value. Reads decrypt and compare every candidate, so a prefix
// collision costs a decryption, never a wrong answer; with 64 bits a lookup in a region of n
// records meets a false candidate with probability about n / 2^64 (5e-11 at 10^9 records).
inline constexpr size_t kStoredBlindIndexBytes = 8;

// The at-rest form of one record, as stored in a region file's records row.
struct StoredRecord {
  // Plain columns.
  std::string id, message_ref, account, route, region;
  int64_t received_at_ms = 0, expires_at_ms = 0, processing_ms = 0, size = 0;
  int smtp_code = 0, http_status = 0;
  uint32_t key_version = 0;
  // Sealed personal fields in kSealedFields order; nullopt = cleared by the sweep.
  std::array<std::optional<std::string>, kSealedFields.size()> sealed;
  // kStoredBlindIndexBytes-byte prefixes; nullopt for an empty address.
  std::optional<std::string> sender_index, recipient_index;
  std::array<std::optional<int64_t>, kSealedFields.size()> field_expires_at_ms;
  std::optional<int64_t> fields_expire_at_ms;  // the earliest of field_expires_at_ms
};

// Returns `record` sealed and indexed with `keys` (the keys of record.region). Checks the record
// first: kInvalidArgument for an id outside [A-Za-z0-9_-]{1,64}, an empty message_id_ref, a
// region other than keys.scope(), or a field expiry naming no personal field.
StatusOr<StoredRecord> SealRecord(const keyring::KeySet& keys, const MetadataRecord& record);

// Returns the plaintext record of `stored`. Errors from KeySet::OpenField, naming the record.
StatusOr<MetadataRecord> OpenRecord(const keyring::KeySet& keys, const StoredRecord& stored);

// Returns whether `id` is a valid record id ([A-Za-z0-9_-]{1,64}).
bool IsValidRecordId(std::string_view id);

}  // namespace mailrelay::vault
