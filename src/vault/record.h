// vault/record.h — the metadata record: one per (message, recipient), the plaintext view.
// DESIGN.md "The metadata record": the six personal fields are sealed field by field at rest;
// sender and recipient also get blind indexes; everything else is stored plain.
//
//   MetadataRecord r;
//   r.id = NewSortableId(received_ms);   r.message_id_ref = mailrelay_message_id;
//   r.region = "eu";  r.sender = "alice@example.com";  …
//   MR_RETURN_IF_ERROR(vault.Commit({r}));
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace mailrelay::vault {

struct MetadataRecord {
  std::string id;              // sortable unique id (common/ids.h NewSortableId), unique per record
  std::string message_id_ref;  // the mailrelay message id shared by the records of one message
  int64_t received_at_ms = 0;  // unix ms
  int64_t expires_at_ms = 0;   // when the whole record goes (retention computed by the caller)
  // Optional earlier expiry of single personal fields, keyed by field name (kSealedFields),
  // e.g. {"sender_ip": …, "server_response": …}.
  std::map<std::string, int64_t> field_expires_at_ms;
  int smtp_code = 0;
  int http_status = 0;
  int64_t processing_ms = 0;
  int64_t size = 0;
  std::string account, route, region;
  // Personal: sealed at rest. An empty string is sealed too (its absence is not revealed); a
  // field cleared by the retention sweep reads back as "".
  std::string sender_ip;
  std::string message_id;  // the Message-ID header
  std::string sender;
  std::string recipient;
  std::string subject;
  std::string server_response;  // the endpoint's body excerpt (≤ 2 KiB); its status is http_status
};

// The personal fields, in column order. These names are also the field names bound into each
// sealed value's associated data, and the keys field_expires_at_ms accepts.
inline constexpr std::array<std::string_view, 6> kSealedFields = {
    "sender_ip", "message_id", "sender", "recipient", "subject", "server_response"};

}  // namespace mailrelay::vault
