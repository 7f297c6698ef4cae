// relay/payload.cc — format dispatch; the multipart form flattens the JSON payload's fields
// with CloudMailin's names (envelope[to], envelope[recipients][0], headers[subject], …).
#include "relay/payload.h"

#include <sodium.h>

#include "relay/form_data.h"

namespace mailrelay::relay {
namespace {

void Flatten(FormData& form, const std::string& name, const nlohmann::json& value) {
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) Flatten(form, name + "[" + key + "]", child);
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      Flatten(form, name + "[" + std::to_string(i) + "]", value[i]);
    }
  } else if (value.is_string()) {
    form.AddField(name, value.get_ref<const std::string&>());
  } else if (!value.is_null()) {
    form.AddField(name, value.dump());
  }
}

void AddEnvelopeFields(FormData& form, const PayloadEnvelope& e) {
  nlohmann::json env = {{"to", e.to},
                        {"from", e.from},
                        {"recipients", e.recipients},
                        {"helo_domain", e.helo_domain},
                        {"remote_ip", e.remote_ip},
                        {"spf", {{"result", e.spf_result}, {"domain", e.spf_domain}}},
                        {"tls", e.tls},
                        {"tls_cipher", e.tls_cipher}};
  Flatten(form, "envelope", env);
}

}  // namespace

std::string NewBoundary() {
  unsigned char random[18];
  randombytes_buf(random, sizeof random);
  char hex[sizeof random * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, random, sizeof random);
  return std::string("mailrelay-") + hex;
}

Payload BuildPayload(PayloadFormat format, std::string_view raw_message,
                     const mime::Message& message, const PayloadEnvelope& envelope,
                     std::string_view boundary) {
  if (format == PayloadFormat::kRaw) {
    FormData form{std::string(boundary)};
    AddEnvelopeFields(form, envelope);
    form.AddFile("message", "message.eml", "message/rfc822", raw_message);
    Payload p{form.ContentType(), ""};
    p.body = form.Finish();
    return p;
  }
  if (format == PayloadFormat::kJson) {
    return Payload{"application/json", RenderJsonPayload(message, envelope)};
  }
  nlohmann::json json = BuildJsonPayload(message, envelope);
  FormData form{std::string(boundary)};
  for (const auto& [key, value] : json.items()) {
    if (key == "attachments") continue;
    Flatten(form, key, value);
  }
  for (size_t i = 0; i < message.attachments.size(); ++i) {
    const auto& a = message.attachments[i];
    form.AddFile("attachments[" + std::to_string(i) + "]", a.file_name,
                 a.content_type.empty() ? "application/octet-stream" : a.content_type, a.content);
  }
  Payload p{form.ContentType(), ""};
  p.body = form.Finish();
  return p;
}

}  // namespace mailrelay::relay
