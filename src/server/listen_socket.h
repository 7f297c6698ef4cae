// server/listen_socket.h — binding a listen socket as its own step, so `serve` can bind ports
// below 1024 as root and hand the bound sockets to the servers after dropping privileges.
#pragma once

#include <Poco/Net/Context.h>
#include <Poco/Net/ServerSocket.h>

#include <string_view>

#include "common/config.h"
#include "common/status.h"

namespace mailrelay::server {

// Returns a socket bound to `address` and listening with `backlog` — one that accepts TLS
// connections only when `tls` is set — or Unavailable "cannot listen for <what> on host:port:
// <reason>" (in use, no permission, no such address).
StatusOr<Poco::Net::ServerSocket> BindListenSocket(const ListenAddress& address, int backlog,
                                                   std::string_view what,
                                                   Poco::Net::Context::Ptr tls = nullptr);

}  // namespace mailrelay::server
