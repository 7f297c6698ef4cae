// mime/message.h — the module's public surface: a parsed RFC 5322/MIME message as the
// webhook payloads need it (decoded headers, chosen bodies, attachments).
// Pure: no I/O. All functions are thread-safe (no shared state).
//
//   StatusOr<mime::Message> m = mime::Parse(raw);
//   if (!m.ok()) return m.status();           // only a Limits breach fails
//   const mime::HeaderField* subject = m->Find("Subject");
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace mailrelay::mime {

struct Limits {
  size_t max_header_bytes = 1u << 20;  // per header block (top level and each part)
  size_t max_parts = 1000;             // MIME entities in the whole tree
  size_t max_depth = 32;               // multipart nesting
};

struct HeaderField {
  std::string name;   // as in the message, e.g. "Message-ID"
  std::string value;  // unfolded, RFC 2047 decoded, UTF-8
  // Unfolded but not decoded (may hold raw 8-bit bytes). Structured parsers such as
  // ParseAddressList should get this, so an encoded "," in a display name stays a name.
  std::string raw_value;
};

struct Address {
  std::string name;
  std::string address;
};

struct Attachment {
  std::string file_name;     // RFC 2231/2047 decoded, UTF-8; "" when none
  std::string content_type;  // e.g. "image/png" (type/subtype, lower-case)
  std::string disposition;   // "attachment" | "inline"
  std::string content_id;    // without <>; "" when none
  std::string content;       // decoded bytes
};

struct Message {
  std::vector<HeaderField> headers;  // top-level header fields, message order
  std::string plain;                 // chosen text/plain body, UTF-8, LF line ends
  std::string html;                  // chosen text/html body, UTF-8, LF line ends
  std::vector<Attachment> attachments;

  // Returns the first header with this name (case-insensitive), or nullptr.
  const HeaderField* Find(std::string_view name) const;
};

// Parses a raw RFC 5322 message (CRLF or LF line ends). Never throws; returns an error
// (kResourceExhausted, naming the limit) only when a limit is exceeded; malformed input is
// parsed leniently. See docs/mime.md for how bodies and attachments are chosen.
StatusOr<Message> Parse(std::string_view raw, const Limits& limits = {});

// Returns the reply text without the quoted history ("On … wrote:", ">" lines, Outlook
// "-----Original Message-----"/"From:" blocks) and signature ("-- ").
std::string ReplyPlain(std::string_view plain);

// Returns the mailboxes of an address-list field (display names, groups flattened, quoted
// local parts, comments, UTF-8/IDN). Pass HeaderField::raw_value; see address_list.h.
std::vector<Address> ParseAddressList(std::string_view header_value);

}  // namespace mailrelay::mime
