// server/tls_context.h — the server-side TLS context for STARTTLS (TLS 1.2 or newer), and
// the protocol name the handshake on this thread negotiated (for Received and the payload).
#pragma once

#include <Poco/Net/Context.h>

#include <string>

#include "common/config.h"
#include "common/status.h"

namespace mailrelay::server {

// Returns a context serving `files`, or InvalidArgument naming the unreadable/bad file.
StatusOr<Poco::Net::Context::Ptr> MakeServerTlsContext(const TlsFiles& files);

// Returns the protocol version ("TLSv1.3") of the last handshake completed on this thread.
std::string LastHandshakeProtocol();

}  // namespace mailrelay::server
