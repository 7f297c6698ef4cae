// relay/json_payload.cc — maps mime::Message + envelope onto CloudMailin's JSON fields.
#include "relay/json_payload.h"

#include "mime/transfer_encoding.h"
#include "mime/utf8.h"

namespace mailrelay::relay {
namespace {

using nlohmann::json;

// nlohmann::json::dump() throws on invalid UTF-8; repair instead of trusting every caller.
std::string Utf8(std::string_view s) { return mime::SanitizeUtf8(s); }

json StringOrNull(std::string_view s) { return s.empty() ? json(nullptr) : json(Utf8(s)); }

json Headers(const std::vector<mime::HeaderField>& headers) {
  json out = json::object();
  for (const mime::HeaderField& h : headers) {
    const std::string key = Utf8(NormalizeHeaderName(h.name));
    if (key.empty()) continue;
    json value = Utf8(h.value);
    auto it = out.find(key);
    if (it == out.end()) {
      out[key] = std::move(value);
    } else if (it->is_array()) {
      it->push_back(std::move(value));
    } else {
      *it = json::array({std::move(*it), std::move(value)});
    }
  }
  return out;
}

json Attachments(const std::vector<mime::Attachment>& attachments) {
  json out = json::array();
  for (const mime::Attachment& a : attachments) {
    out.push_back({
        {"content", mime::EncodeBase64(a.content)},
        {"file_name", StringOrNull(a.file_name)},
        {"content_type",
         a.content_type.empty() ? "application/octet-stream" : Utf8(a.content_type)},
        // A string, not a number: CloudMailin's Go package decodes it with ",string".
        {"size", std::to_string(a.content.size())},
        {"disposition", a.disposition.empty() ? "attachment" : Utf8(a.disposition)},
        {"content_id", a.content_id.empty() ? json(nullptr) : json("<" + Utf8(a.content_id) + ">")},
    });
  }
  return out;
}

json Envelope(const PayloadEnvelope& e) {
  json recipients = json::array();
  for (const std::string& r : e.recipients) recipients.push_back(Utf8(r));
  return {
      {"to", Utf8(e.to)},
      {"from", Utf8(e.from)},
      {"recipients", std::move(recipients)},
      {"helo_domain", Utf8(e.helo_domain)},
      {"remote_ip", Utf8(e.remote_ip)},
      {"spf", {{"result", Utf8(e.spf_result)}, {"domain", Utf8(e.spf_domain)}}},
      {"tls", e.tls},
      {"tls_cipher", Utf8(e.tls_cipher)},
  };
}

}  // namespace

std::string NormalizeHeaderName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if (c == '-') {
      out += '_';
    } else {
      out += c;
    }
  }
  return out;
}

json BuildJsonPayload(const mime::Message& message, const PayloadEnvelope& envelope) {
  const std::string reply = message.plain.empty() ? "" : mime::ReplyPlain(message.plain);
  return {
      {"envelope", Envelope(envelope)},       {"headers", Headers(message.headers)},
      {"plain", StringOrNull(message.plain)}, {"html", StringOrNull(message.html)},
      {"reply_plain", StringOrNull(reply)},   {"attachments", Attachments(message.attachments)},
  };
}

}  // namespace mailrelay::relay
