// smtp/path.h — parses the RFC 5321 4.1.2 Reverse-path / Forward-path of MAIL and RCPT.
// Pure; accepts RFC 6531 UTF-8 mailboxes and reports them so the caller can demand SMTPUTF8.
//
//   std::optional<ParsedPath> p = ParsePath("<@relay:a@b.example> SIZE=10", PathOptions{});
//   // p->address == "a@b.example", p->consumed == 21
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mailrelay::smtp {

struct PathOptions {
  bool allow_null = false;        // "<>" is valid (MAIL FROM only, RFC 5321 4.5.5)
  bool allow_postmaster = false;  // "<Postmaster>" without domain is valid (RCPT only)
};

struct ParsedPath {
  std::string address;     // the Mailbox without "<>" and without a source route; "" for "<>"
  bool non_ascii = false;  // the address holds UTF-8 beyond ASCII (needs SMTPUTF8)
  size_t consumed = 0;     // bytes of the input used, through the closing '>'
};

// Returns the path at the start of `in`, or nullopt when `in` does not start with a
// syntactically valid path (or holds malformed UTF-8). Source routes ("@a,@b:") are
// parsed and dropped, as RFC 5321 4.1.1.3 lets a server do.
std::optional<ParsedPath> ParsePath(std::string_view in, PathOptions options);

// Returns whether `s` is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates).
bool IsValidUtf8(std::string_view s);

}  // namespace mailrelay::smtp
