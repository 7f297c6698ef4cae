// api/router.h — the API's request handling for Poco HTTPServer: route match (404/405), the
// auth middleware (bearer token → 401, role → 403), then the endpoint. Errors are JSON
// {"error": "..."}; 401 carries WWW-Authenticate: Bearer.
//
//   ApiContext ctx{.vault = &vault, .metrics_text = [&] { return metrics.Render(); }};
//   auto* factory = NewRequestHandlerFactory(ctx);   // HTTPServer takes ownership
#pragma once

#include <functional>
#include <string>

#include "api/access_recorder.h"

namespace Poco::Net {
class HTTPRequestHandlerFactory;
}

namespace mailrelay::vault {
class Vault;
}
namespace mailrelay::auditlog {
class AuditLog;
}
namespace mailrelay::compliance {
class ComplianceService;
}

namespace mailrelay::api {

struct ApiContext {
  vault::Vault* vault = nullptr;  // tokens and message history; null: those calls answer 503
  std::function<std::string()> metrics_text;  // GET /metrics body (Prometheus text)
  AccessRecorder* recorder = nullptr;         // null: NoopAccessRecorder
  bool dev_sink = false;                      // POST /dev/sink prints deliveries to stdout
  auditlog::AuditLog* audit = nullptr;        // /v1/audit/* reads; null: those calls answer 503
  // Export, erasure, law-enforcement requests, the transparency report; null: those answer 503.
  compliance::ComplianceService* compliance = nullptr;
};

// Returns a new factory (the caller, normally HTTPServer, owns it). Everything `context`
// points to must outlive it.
Poco::Net::HTTPRequestHandlerFactory* NewRequestHandlerFactory(const ApiContext& context);

}  // namespace mailrelay::api
