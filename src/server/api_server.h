// server/api_server.h — the HTTP API (Poco HTTPServer, its own thread pool). Routing, bearer
// tokens and roles are in api/ (api/router.h); this owns the socket, the pool and their life.
// Endpoints: /healthz, /metrics, /v1/messages, /v1/audit/*, /v1/keys, /v1/subjects/*,
// /v1/lea-requests*, /v1/reports/transparency and, in quickstart, the development sink.
#pragma once

#include <Poco/Net/ServerSocket.h>

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
namespace mailrelay::compliance {
class ComplianceService;
}

namespace mailrelay::server {

class ApiServer {
 public:
  // `metrics`, `vault`, `recorder` and `audit` must outlive the server. Without a vault, calls
  // that need tokens or records answer 503. Without a recorder, accesses are not recorded
  // (no-op). Without an audit log, the auditor endpoints (/v1/audit/*) answer 503; without a
  // compliance service, the /v1/subjects, /v1/lea-requests and /v1/reports endpoints do.
  ApiServer(const ApiConfig& config, Metrics& metrics, vault::Vault* vault = nullptr,
            api::AccessRecorder* recorder = nullptr, auditlog::AuditLog* audit = nullptr,
            compliance::ComplianceService* compliance = nullptr);
  ~ApiServer();

  // Returns the API's listen socket, bound and listening (HTTPS only with api.tls);
  // InvalidArgument when a TLS file cannot be used, Unavailable when the address cannot be
  // bound. `serve` calls it before dropping root, then hands the socket to Start.
  static StatusOr<Poco::Net::ServerSocket> Bind(const ApiConfig& config);

  // Starts serving on `socket`, from Bind.
  Status Start(Poco::Net::ServerSocket socket);
  void Stop();
  uint16_t port() const;

 private:
  ApiConfig config_;
  Metrics& metrics_;
  vault::Vault* vault_;
  api::AccessRecorder* recorder_;
  auditlog::AuditLog* audit_;
  compliance::ComplianceService* compliance_;
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

}  // namespace mailrelay::server
