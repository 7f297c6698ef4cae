// relay/json_writer.h — appends JSON text straight into a string, for the webhook payload
// (the hot path: a DOM plus dump() costs more than parsing the message). Pure.
#pragma once

#include <string>
#include <string_view>

namespace mailrelay::relay {

// Appends `text` as a JSON string literal: quotes, escapes for '"', '\\' and controls, and
// any invalid UTF-8 repaired to U+FFFD, so the output is always valid JSON.
void AppendJsonString(std::string& out, std::string_view text);

}  // namespace mailrelay::relay
