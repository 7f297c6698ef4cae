// compliance/subject_records.cc — see subject_records.h.
#include "compliance/subject_records.h"

#include "common/time_format.h"
#include "keyring/address.h"
#include "mime/utf8.h"

namespace mailrelay::compliance {

std::string SubjectRole(const vault::MetadataRecord& r, std::string_view normalized) {
  const bool sender = keyring::NormalizeAddress(r.sender) == normalized;
  const bool recipient = keyring::NormalizeAddress(r.recipient) == normalized;
  if (sender && recipient) return "sender_and_recipient";
  return sender ? "sender" : "recipient";
}

nlohmann::json SubjectRecordJson(const vault::MetadataRecord& r, std::string_view normalized) {
  // Envelope addresses came off the wire; a document must be valid UTF-8 to be signed.
  auto text = [](const std::string& s) { return mime::SanitizeUtf8(s); };
  return {{"id", r.id},
          {"message", r.message_id_ref},
          {"region", r.region},
          {"role", SubjectRole(r, normalized)},
          {"received_at", FormatRfc3339(r.received_at_ms)},
          {"expires_at", FormatRfc3339(r.expires_at_ms)},
          {"account", r.account},
          {"route", r.route},
          {"smtp_code", r.smtp_code},
          {"http_status", r.http_status},
          {"processing_ms", r.processing_ms},
          {"size", r.size},
          {"sender_ip", text(r.sender_ip)},
          {"message_id", text(r.message_id)},
          {"sender", text(r.sender)},
          {"recipient", text(r.recipient)},
          {"subject", text(r.subject)},
          {"server_response", text(r.server_response)}};
}

nlohmann::json SubjectRecordCounts(const std::vector<vault::MetadataRecord>& records,
                                   std::string_view normalized,
                                   const std::vector<std::string>& regions) {
  nlohmann::json by_region = nlohmann::json::object();
  for (const std::string& region : regions) by_region[region] = 0;
  int64_t as_sender = 0, as_recipient = 0;
  for (const auto& r : records) {
    by_region[r.region] = by_region.value(r.region, 0) + 1;
    const std::string role = SubjectRole(r, normalized);
    if (role != "recipient") ++as_sender;
    if (role != "sender") ++as_recipient;
  }
  return {{"records", records.size()},
          {"by_region", by_region},
          {"by_role", {{"sender", as_sender}, {"recipient", as_recipient}}}};
}

}  // namespace mailrelay::compliance
