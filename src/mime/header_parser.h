// mime/header_parser.h — splits an RFC 5322 header block into unfolded fields.
// Works on raw bytes: values are not yet RFC 2047-decoded (structured parsers need them raw).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace mailrelay::mime {

struct RawHeaderField {
  std::string name;   // as written, surrounding blanks removed
  std::string value;  // unfolded (line breaks removed, folding blanks kept), trimmed
};

struct HeaderBlock {
  std::vector<RawHeaderField> fields;
  size_t body_offset = 0;  // where the body starts in the parsed text
};

// Returns the header fields at the start of `text` and where the body begins.
// Lenient, in the way of common mail clients:
//  - CRLF and bare LF line ends; an mbox "From " separator line at the top is skipped;
//  - "Name : value" (obsolete blank before the colon) is accepted;
//  - a line without a colon continues the previous field when that field is clearly
//    unfinished (ends in ';' or ',') or the line looks like a parameter ("name=…"), else
//    it is taken as the first body line (a missing blank line after the headers).
// Fails with kResourceExhausted when the block is longer than `max_bytes`.
StatusOr<HeaderBlock> ParseHeaderBlock(std::string_view text, size_t max_bytes);

// Returns the first field named `name` (ASCII case-insensitive) or nullptr.
const RawHeaderField* FindField(const std::vector<RawHeaderField>& fields, std::string_view name);

}  // namespace mailrelay::mime
