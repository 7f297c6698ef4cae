// smtp/received.h — builds the trace header we prepend to each message (RFC 5321 4.4).
// Pure: the time and id come in as values.
//
//   std::string h = FormatReceived(ReceivedFields{.helo = "c.example", ...});
//   // "Received: from c.example ([192.0.2.1])\r\n\tby mx.example (mailrelay) with ESMTP ..."
#pragma once

#include <ctime>
#include <string>
#include <string_view>

namespace mailrelay::smtp {

struct ReceivedFields {
  std::string helo;             // the client's HELO/EHLO argument
  std::string remote_ip;        // textual peer IP; IPv6 is written as "IPv6:…" (RFC 5321 4.1.3)
  std::string server_hostname;  // our name, for "by"
  std::string protocol;         // "with" value, from ReceivedProtocol()
  std::string id;               // our message id
  std::string recipient;        // "for" clause; "" leaves it out (more than one recipient)
  std::time_t when = 0;         // date of receipt
};

// Returns the "with" protocol name: SMTP (HELO), ESMTP / ESMTPS (RFC 3848),
// UTF8SMTP / UTF8SMTPS (RFC 6531 3.7.3).
std::string ReceivedProtocol(bool esmtp, bool tls, bool smtputf8);

// Returns the date in RFC 5322 3.3 form in UTC, e.g. "Tue, 14 Nov 2023 22:13:20 +0000".
std::string FormatRfc5322Date(std::time_t when);

// Returns the complete header, folded over three lines, each ending in CRLF:
// "Received: from <helo> ([<ip>])\r\n\tby <host> (mailrelay) with <proto> id <id>\r\n"
// "\tfor <rcpt>; <date>\r\n" (without "for <rcpt>" when `recipient` is empty).
std::string FormatReceived(const ReceivedFields& fields);

}  // namespace mailrelay::smtp
