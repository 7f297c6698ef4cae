// smtp/command.h — splits an SMTP command line and parses the arguments of MAIL, RCPT, BDAT.
// Pure syntax (RFC 5321 4.1, RFC 1870, RFC 6152, RFC 6531, RFC 3030); policy is the session's.
//
//   CommandLine c = SplitCommand("mail FROM:<a@b.example> SIZE=100");  // c.verb == "MAIL"
//   ReplyOr<MailArgs> m = ParseMailArgs(c.args);                       // m.value().size == 100
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "smtp/reply_or.h"

namespace mailrelay::smtp {

struct CommandLine {
  std::string verb;       // upper-cased first word, e.g. "MAIL"
  std::string_view args;  // the rest after the separating space(s), trailing blanks trimmed
};

// Returns the verb and its arguments; `line` is the command without its line terminator.
// Verbs are case-insensitive (RFC 5321 2.4), so the verb comes back upper-cased.
CommandLine SplitCommand(std::string_view line);

struct MailArgs {
  std::string from;              // reverse-path without "<>"; "" for the null sender
  bool non_ascii = false;        // `from` holds UTF-8 beyond ASCII
  std::optional<uint64_t> size;  // SIZE=n (RFC 1870); UINT64_MAX when n does not fit
  bool body_8bitmime = false;    // BODY=8BITMIME (RFC 6152)
  bool smtputf8 = false;         // SMTPUTF8 (RFC 6531)
};

// Returns the parsed "FROM:<path> [params]" of MAIL, or the rejection:
// 501 5.5.4 bad syntax or parameter value, 501 5.1.7 bad address, 555 5.5.4 unknown parameter.
ReplyOr<MailArgs> ParseMailArgs(std::string_view args);

struct RcptArgs {
  std::string to;          // forward-path without "<>"
  bool non_ascii = false;  // `to` holds UTF-8 beyond ASCII
};

// Returns the parsed "TO:<path>" of RCPT, or the rejection: 501 5.5.4 bad syntax,
// 501 5.1.3 bad address, 555 5.5.4 any parameter (no RCPT extension is offered).
ReplyOr<RcptArgs> ParseRcptArgs(std::string_view args);

struct BdatArgs {
  uint64_t size = 0;  // chunk octets that follow the command line
  bool last = false;  // "LAST" end marker
};

// Returns the parsed "chunk-size [LAST]" of BDAT, or 501 5.5.4.
ReplyOr<BdatArgs> ParseBdatArgs(std::string_view args);

// Returns whether `a` and `b` name the same mailbox: the local part compared exactly
// (RFC 5321 2.4 leaves it case-sensitive), the domain case-insensitively.
bool SameMailbox(std::string_view a, std::string_view b);

}  // namespace mailrelay::smtp
