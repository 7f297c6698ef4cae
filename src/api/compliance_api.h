// api/compliance_api.h — the compliance endpoints (/v1/subjects/*, /v1/lea-requests*,
// /v1/reports/transparency, /v1/keys) as functions from a parsed request to an answer, so the
// router only does HTTP. Request and answer shapes are in docs/api.md.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "api/roles.h"
#include "common/status.h"

namespace mailrelay::compliance {
class ComplianceService;
}

namespace mailrelay::api {

struct ComplianceRequest {
  Endpoint endpoint;
  std::string id;                                           // {id} of /v1/lea-requests/{id}…
  nlohmann::json body;                                      // the JSON body (POST), else null
  std::vector<std::pair<std::string, std::string>> params;  // the query (GET)
  std::string actor;                                        // "api:token-<id>"
};

struct ComplianceAnswer {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Runs the call. Errors become 400 (bad input), 404 (no such request), 409 (a transition the
// request's state refuses), 503 (vault or audit log unavailable), with {"error": message}.
ComplianceAnswer HandleCompliance(const ComplianceRequest& request,
                                  compliance::ComplianceService& service);

// Returns the HTTP status for an operation's error.
int HttpStatusFor(const Status& status);

}  // namespace mailrelay::api
