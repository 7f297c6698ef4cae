// api/record_json.cc — message history as JSON.
#include "api/record_json.h"

namespace mailrelay::api {

nlohmann::json RecordJson(const vault::MetadataRecord& r) {
  return {{"id", r.id},
          {"message", r.message_id_ref},
          {"received_at_ms", r.received_at_ms},
          {"expires_at_ms", r.expires_at_ms},
          {"smtp_code", r.smtp_code},
          {"http_status", r.http_status},
          {"processing_ms", r.processing_ms},
          {"size", r.size},
          {"account", r.account},
          {"route", r.route},
          {"region", r.region},
          {"sender_ip", r.sender_ip},
          {"message_id", r.message_id},
          {"sender", r.sender},
          {"recipient", r.recipient},
          {"subject", r.subject},
          {"server_response", r.server_response}};
}

nlohmann::json MessagePageJson(const vault::MessagePage& page) {
  nlohmann::json out = {
      {"messages", nlohmann::json::array()},
      {"next_cursor",
       page.next_cursor.empty() ? nlohmann::json(nullptr) : nlohmann::json(page.next_cursor)}};
  for (const auto& r : page.records) out["messages"].push_back(RecordJson(r));
  return out;
}

}  // namespace mailrelay::api
