// server/smtp_listener.h — the SMTP listener: Poco TCPServer with its own thread pool, one
// thread per session, limits enforced at accept (421), STARTTLS, graceful shutdown.
#pragma once

#include <Poco/Net/Context.h>
#include <Poco/Net/ServerSocket.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/config.h"
#include "common/status.h"
#include "relay/route_table.h"
#include "server/connection_limiter.h"
#include "server/delivery_pipeline.h"
#include "server/metrics.h"

namespace Poco {
class ThreadPool;
namespace Net {
class TCPServer;
}
}  // namespace Poco

namespace mailrelay::server {

// What every session of the listener shares.
struct SmtpShared {
  const SmtpConfig* config = nullptr;
  const relay::RouteTable* routes = nullptr;
  DeliveryPipeline* pipeline = nullptr;
  Metrics* metrics = nullptr;
  ConnectionLimiter* limiter = nullptr;
  Poco::Net::Context::Ptr tls;  // null: no STARTTLS
  std::atomic<bool> shutting_down{false};

  // The accept filter counts a connection under its peer IP; the connection uncounts it under
  // the same key even if the peer is gone by the time it starts (getpeername would fail).
  void RememberPeer(int fd, std::string ip);
  std::string TakePeer(int fd);

 private:
  std::mutex peers_mu_;
  std::unordered_map<int, std::string> peers_;
};

// What the listener takes from before `serve` drops root: the bound socket (ports below 1024)
// and the STARTTLS context (its key file is often readable by root only).
struct SmtpBinding {
  Poco::Net::ServerSocket socket;
  Poco::Net::Context::Ptr tls;  // null: no STARTTLS
};

class SmtpListener {
 public:
  // `routes`, `pipeline` and `metrics` must outlive the listener.
  SmtpListener(const SmtpConfig& config, const relay::RouteTable& routes,
               DeliveryPipeline& pipeline, Metrics& metrics);
  ~SmtpListener();

  // Loads the TLS files and binds the listen socket: InvalidArgument when a TLS file cannot be
  // used, Unavailable when the address cannot be bound.
  static StatusOr<SmtpBinding> Bind(const SmtpConfig& config);

  // Starts accepting on `binding`, from Bind.
  Status Start(SmtpBinding binding);
  // Stops accepting, asks idle sessions to close (421), lets sessions in DATA or delivery
  // finish, and waits up to `grace_s` for all to end. Returns the sessions still open.
  size_t Stop(double grace_s);
  uint16_t port() const;

 private:
  SmtpConfig config_;
  ConnectionLimiter limiter_;
  SmtpShared shared_;
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::TCPServer> server_;
};

}  // namespace mailrelay::server
