// smtp/reply.h — an SMTP reply (RFC 5321 4.2) with its RFC 3463 enhanced status code.
// SMTP rejections are ordinary output values, not errors.
//
//   Reply{250, "2.0.0", "Ok"}.Render() == "250 2.0.0 Ok\r\n"
#pragma once

#include <string>

namespace mailrelay::smtp {

struct Reply {
  int code = 0;          // e.g. 250
  std::string enhanced;  // RFC 3463 code "2.0.0", or "" (greeting 220, EHLO lines have none)
  std::string text;      // lines separated by '\n' for multi-line replies

  // Returns the wire form: every line but the last "code-enhanced text\r\n", the last
  // "code enhanced text\r\n". CR bytes in text are dropped so a reply can never inject
  // an extra line.
  std::string Render() const;

  bool operator==(const Reply&) const = default;
};

}  // namespace mailrelay::smtp
