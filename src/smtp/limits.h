// smtp/limits.h — the bounds one SMTP session enforces; every one answers with a reply.
// Defaults follow the RFC 5321 4.5.3.1 minimums; all are configurable.
#pragma once

#include <cstddef>

namespace mailrelay::smtp {

struct Limits {
  size_t max_command_line = 512;         // bytes incl CRLF, RFC 5321 4.5.3.1.4
  size_t max_text_line = 1000;           // data line bytes incl CRLF, RFC 5321 4.5.3.1.6
  size_t max_recipients = 100;           // per transaction, RFC 5321 4.5.3.1.8
  size_t max_message_bytes = 25u << 20;  // announced in SIZE, enforced in DATA/BDAT
  size_t max_errors = 10;                // protocol errors before 421 + close
};

}  // namespace mailrelay::smtp
