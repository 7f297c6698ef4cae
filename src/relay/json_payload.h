// relay/json_payload.h — the CloudMailin-compatible "JSON normalised" webhook payload built
// from a parsed message and its SMTP envelope. Pure; schema in schemas/webhook.schema.json.
//
//   nlohmann::json body = BuildJsonPayload(*mime::Parse(raw), envelope);
//   std::string text = body.dump();  // never throws: every string is valid UTF-8
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "mime/message.h"

namespace mailrelay::relay {

struct PayloadEnvelope {
  std::string to;    // first recipient
  std::string from;  // reverse path ("" for null sender)
  std::vector<std::string> recipients;
  std::string helo_domain;
  std::string remote_ip;
  std::string spf_result = "none";  // spf::ResultName of the check (docs/spf.md)
  std::string spf_domain;           // the domain checked: MAIL FROM's, or HELO's for <>
  bool tls = false;
  std::string tls_cipher;  // e.g. "TLSv1.3"
};

// Returns the CloudMailin "JSON normalized" payload: envelope, headers, plain, html,
// reply_plain, attachments. Shape (see reference/cloudmailin-json-normalized.json):
//  - headers: names lower-cased with '-' → '_'; a repeated header is an array of its
//    values in message order, otherwise a string; values are the decoded UTF-8 text;
//  - plain, html, reply_plain: strings, or null when the message has no such text;
//  - attachments: always an array; each {content (base64), file_name (null when none),
//    content_type, size (decimal string of the decoded byte count), disposition,
//    content_id ("<id>" as CloudMailin sends it, null when none)};
//  - envelope: {to, from, recipients[], helo_domain, remote_ip, spf{result, domain},
//    tls (bool), tls_cipher}.
// Any string that is not valid UTF-8 is repaired with U+FFFD, so dump() cannot throw.
nlohmann::json BuildJsonPayload(const mime::Message& message, const PayloadEnvelope& envelope);

// Returns BuildJsonPayload(message, envelope).dump(), written directly (the relay's hot path;
// several times faster than building the DOM). Same content, same key order.
std::string RenderJsonPayload(const mime::Message& message, const PayloadEnvelope& envelope);

// Returns the payload key for header `name`: "Message-ID" → "message_id".
std::string NormalizeHeaderName(std::string_view name);

}  // namespace mailrelay::relay
