// smtp/reply.cc — renders Reply values into RFC 5321 reply lines.
// Multi-line replies use "code-" on every line but the last (RFC 5321 4.2.1).
#include "smtp/reply.h"

#include <string_view>

namespace mailrelay::smtp {
namespace {

// Appends one reply line; `last` picks the ' ' separator instead of '-'.
void AppendLine(std::string& out, int code, std::string_view enhanced, std::string_view text,
                bool last) {
  // Three digits always: a code outside 100..999 is a programming error upstream, and a
  // malformed reply would desynchronise the client, so it is clamped to the generic 451.
  if (code < 100 || code > 999) code = 451;
  out += std::to_string(code);
  std::string rest;
  if (!enhanced.empty()) rest += enhanced;
  if (!text.empty()) {
    if (!rest.empty()) rest += ' ';
    for (char c : text) {
      if (c != '\r') rest += c;
    }
  }
  if (!rest.empty() || !last) {
    out += last ? ' ' : '-';
    out += rest;
  }
  out += "\r\n";
}

}  // namespace

std::string Reply::Render() const {
  std::string out;
  std::string_view rest = text;
  while (true) {
    size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) {
      AppendLine(out, code, enhanced, rest, /*last=*/true);
      return out;
    }
    AppendLine(out, code, enhanced, rest.substr(0, nl), /*last=*/false);
    rest.remove_prefix(nl + 1);
  }
}

}  // namespace mailrelay::smtp
