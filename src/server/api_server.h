// server/api_server.h — the HTTP API (Poco HTTPServer, its own thread pool): /healthz,
// /metrics, and in quickstart the development sink POST /dev/sink.
#pragma once

#include <memory>

#include "common/config.h"
#include "common/status.h"
#include "server/metrics.h"

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
}
}  // namespace Poco

namespace mailrelay::server {

class ApiServer {
 public:
  // `metrics` must outlive the server.
  ApiServer(const ApiConfig& config, Metrics& metrics);
  ~ApiServer();

  // Binds and starts serving; Unavailable when the address cannot be bound.
  Status Start();
  void Stop();
  uint16_t port() const;

 private:
  ApiConfig config_;
  Metrics& metrics_;
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

}  // namespace mailrelay::server
