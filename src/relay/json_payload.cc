// relay/json_payload.cc — maps mime::Message + envelope onto CloudMailin's JSON fields.
#include "relay/json_payload.h"

#include <map>

#include "common/ascii.h"
#include "mime/transfer_encoding.h"
#include "mime/utf8.h"
#include "relay/json_writer.h"

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
  for (char c : name) out += c == '-' ? '_' : AsciiLower(c);
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

namespace {

void StringOrNullTo(std::string& out, std::string_view s) {
  if (s.empty()) {
    out += "null";
  } else {
    AppendJsonString(out, s);
  }
}

void KeyTo(std::string& out, std::string_view key) {
  AppendJsonString(out, key);
  out += ':';
}

}  // namespace

std::string RenderJsonPayload(const mime::Message& message, const PayloadEnvelope& envelope) {
  std::string out;
  size_t estimate = 1024 + message.plain.size() * 2 + message.html.size();
  for (const auto& a : message.attachments) estimate += a.content.size() * 4 / 3 + 256;
  for (const auto& h : message.headers) estimate += h.name.size() + h.value.size() + 8;
  out.reserve(estimate);

  out += "{\"attachments\":[";
  for (size_t i = 0; i < message.attachments.size(); ++i) {
    const mime::Attachment& a = message.attachments[i];
    if (i) out += ',';
    out += "{\"content\":\"";
    out += mime::EncodeBase64(a.content);  // base64 needs no escaping
    out += "\",\"content_id\":";
    if (a.content_id.empty()) {
      out += "null";
    } else {
      AppendJsonString(out, "<" + a.content_id + ">");
    }
    out += ",\"content_type\":";
    AppendJsonString(out, a.content_type.empty() ? "application/octet-stream" : a.content_type);
    out += ",\"disposition\":";
    AppendJsonString(out, a.disposition.empty() ? "attachment" : a.disposition);
    out += ",\"file_name\":";
    StringOrNullTo(out, a.file_name);
    out += ",\"size\":\"";
    out += std::to_string(a.content.size());
    out += "\"}";
  }
  out += "],\"envelope\":{\"from\":";
  AppendJsonString(out, envelope.from);
  out += ",\"helo_domain\":";
  AppendJsonString(out, envelope.helo_domain);
  out += ",\"recipients\":[";
  for (size_t i = 0; i < envelope.recipients.size(); ++i) {
    if (i) out += ',';
    AppendJsonString(out, envelope.recipients[i]);
  }
  out += "],\"remote_ip\":";
  AppendJsonString(out, envelope.remote_ip);
  out += ",\"spf\":{\"domain\":";
  AppendJsonString(out, envelope.spf_domain);
  out += ",\"result\":";
  AppendJsonString(out, envelope.spf_result);
  out += "},\"tls\":";
  out += envelope.tls ? "true" : "false";
  out += ",\"tls_cipher\":";
  AppendJsonString(out, envelope.tls_cipher);
  out += ",\"to\":";
  AppendJsonString(out, envelope.to);
  out += "},\"headers\":{";
  // Keys sorted as nlohmann orders them, so `parse` output is stable; a repeated header
  // becomes an array of its values in message order.
  std::map<std::string, std::vector<const std::string*>> grouped;
  for (const mime::HeaderField& h : message.headers) {
    std::string key = mime::SanitizeUtf8(NormalizeHeaderName(h.name));
    if (!key.empty()) grouped[std::move(key)].push_back(&h.value);
  }
  bool first = true;
  for (const auto& [key, values] : grouped) {
    if (!first) out += ',';
    first = false;
    KeyTo(out, key);
    if (values.size() == 1) {
      AppendJsonString(out, *values[0]);
      continue;
    }
    out += '[';
    for (size_t i = 0; i < values.size(); ++i) {
      if (i) out += ',';
      AppendJsonString(out, *values[i]);
    }
    out += ']';
  }
  out += "},\"html\":";
  StringOrNullTo(out, message.html);
  out += ",\"plain\":";
  StringOrNullTo(out, message.plain);
  out += ",\"reply_plain\":";
  StringOrNullTo(out, message.plain.empty() ? std::string() : mime::ReplyPlain(message.plain));
  out += '}';
  return out;
}

}  // namespace mailrelay::relay
