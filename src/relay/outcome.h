// relay/outcome.h — what the endpoint answered, and the SMTP reply that answer decides.
// Pure; the table in DESIGN.md "SMTP behaviour" is authoritative.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "smtp/reply.h"

namespace mailrelay::relay {

struct HttpOutcome {
  enum class Kind {
    kResponse,          // the endpoint answered with `status`
    kTimeout,           // no answer within the route's timeout
    kConnectFailed,     // refused, unreachable, DNS failure
    kTlsFailed,         // handshake or certificate failure
    kTooManyRedirects,  // a 3xx past the redirect limit
    kProtocolError,     // the endpoint spoke broken HTTP
  };
  Kind kind = Kind::kResponse;
  int status = 0;
  std::string content_type;
  std::string body;  // at most the first kMaxBodyExcerpt bytes
};

inline constexpr size_t kMaxBodyExcerpt = 2048;

// Returns the reply for the sending MTA: 250 on 2xx, 554 on a 4xx other than 408/429
// (carrying the first line of a text/plain body), 451 otherwise.
smtp::Reply MapOutcome(const HttpOutcome& outcome, std::string_view mailrelay_id);

// Returns the reply when the metadata could not be committed: 451 4.3.0, the sender retries
// (DESIGN.md). A full disk (kResourceExhausted) says so in the text, for the sender's log.
smtp::Reply VaultCommitFailedReply(StatusCode why);

// Returns `text` made safe for an SMTP reply: its first line, printable ASCII only,
// at most 200 characters.
std::string SanitizeReplyText(std::string_view text);

}  // namespace mailrelay::relay
