// smtp/action.h — what a Session asks its listener to do: send a reply, deliver a message,
// start TLS, or close. The listener performs the actions in order.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "smtp/reply.h"

namespace mailrelay::smtp {

// The SMTP envelope of one accepted transaction.
struct Envelope {
  std::string helo;                     // HELO/EHLO argument
  std::string mail_from;                // reverse-path without <>, "" for the null sender
  std::vector<std::string> recipients;  // forward-paths without <>, in order accepted
  std::string route_id;                 // route of the first recipient
  bool smtputf8 = false;                // MAIL FROM had SMTPUTF8
  bool body_8bitmime = false;           // BODY=8BITMIME
  std::string remote_ip;
  bool tls = false;        // transaction happened under TLS
  std::string tls_cipher;  // protocol name, e.g. "TLSv1.3", when tls
};

// Hand the message to the relay; answer with Session::OnDeliveryReply.
struct Deliver {
  std::string id;  // from SessionEnv::NewMessageId()
  Envelope envelope;
  // Our Received header + the dot-unstuffed data (or the BDAT chunks), CRLF line ends,
  // without the final ".\r\n".
  std::string message;
};

struct StartTls {};  // listener: do the TLS handshake now, then call OnTlsStarted
struct Close {};     // listener: flush replies already returned, then close

using Action = std::variant<Reply, Deliver, StartTls, Close>;

}  // namespace mailrelay::smtp
