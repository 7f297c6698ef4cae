// relay/json_writer.cc — run-copying JSON string escaper.
#include "relay/json_writer.h"

#include "mime/utf8.h"

namespace mailrelay::relay {
namespace {

bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

// Escapes valid UTF-8: copies each run of bytes that need no escape in one append.
void AppendEscaped(std::string& out, std::string_view text) {
  size_t run = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (!NeedsEscape(c)) continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
  }
  out.append(text.data() + run, text.size() - run);
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  if (mime::IsValidUtf8(text)) {
    AppendEscaped(out, text);
  } else {
    AppendEscaped(out, mime::SanitizeUtf8(text));
  }
  out += '"';
}

}  // namespace mailrelay::relay
