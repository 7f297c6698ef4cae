// auditlog/base64.h — standard base64 (RFC 4648 §4, with padding), strict on decode.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mailrelay::auditlog {

// Returns the padded standard base64 encoding of `bytes`.
std::string Base64Encode(std::string_view bytes);

// Returns the decoded bytes, or nullopt unless `text` is canonical padded standard base64
// (no whitespace, no missing padding, zero unused bits).
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace mailrelay::auditlog
