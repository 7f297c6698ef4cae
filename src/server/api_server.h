// server/api_server.h — the HTTP API (Poco HTTPServer, its own thread pool). Routing, bearer
// tokens and roles are in api/ (api/router.h); this owns the socket, the pool and their life.
// Endpoints: /healthz, /metrics, /v1/messages, /v1/audit/* and, in quickstart, the
// development sink.
#pragma once

#include <memory>

#include "api/access_recorder.h"
#include "common/config.h"
#include "common/status.h"
#include "server/metrics.h"

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
}
}  // namespace Poco

namespace mailrelay::vault {
class Vault;
}
namespace mailrelay::auditlog {
class AuditLog;
}

namespace mailrelay::server {

class ApiServer {
 public:
  // `metrics`, `vault`, `recorder` and `audit` must outlive the server. Without a vault, calls
  // that need tokens or records answer 503. Without a recorder, accesses are not recorded
  // (no-op). Without an audit log, the auditor endpoints (/v1/audit/*) answer 503.
  ApiServer(const ApiConfig& config, Metrics& metrics, vault::Vault* vault = nullptr,
            api::AccessRecorder* recorder = nullptr, auditlog::AuditLog* audit = nullptr);
  ~ApiServer();

  // Binds and starts serving; Unavailable when the address cannot be bound.
  Status Start();
  void Stop();
  uint16_t port() const;

 private:
  ApiConfig config_;
  Metrics& metrics_;
  vault::Vault* vault_;
  api::AccessRecorder* recorder_;
  auditlog::AuditLog* audit_;
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

}  // namespace mailrelay::server
