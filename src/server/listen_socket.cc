// server/listen_socket.cc — bind + listen with the options every mailrelay listener uses.
#include "server/listen_socket.h"

#include <Poco/Net/SecureServerSocket.h>

#include <string>

namespace mailrelay::server {

StatusOr<Poco::Net::ServerSocket> BindListenSocket(const ListenAddress& address, int backlog,
                                                   std::string_view what,
                                                   Poco::Net::Context::Ptr tls) {
  try {
    Poco::Net::ServerSocket socket =
        tls ? Poco::Net::SecureServerSocket(tls) : Poco::Net::ServerSocket();
    // SO_REUSEADDR for quick restarts, never SO_REUSEPORT: a second instance must fail to bind.
    socket.bind(Poco::Net::SocketAddress(address.host, address.port), true, false);
    socket.listen(backlog);
    return socket;
  } catch (const Poco::Exception& e) {
    return Status::Unavailable("cannot listen for " + std::string(what) + " on " +
                               address.ToString() + ": " + e.displayText());
  }
}

}  // namespace mailrelay::server
