// api/roles.h — roles, the endpoints and who may call each: the role matrix as pure functions.
// docs/api.md has the same table.
//
//   auto match = MatchRoute("GET", "/v1/messages", /*dev_sink=*/false);
//   Caller c;  c.has_token = true;  c.role = Role::kAuditor;
//   Decision d = Authorize(*match.endpoint, c);
//   // d == Decision::kForbidden → 403
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailrelay::api {

enum class Role { kAdmin, kCompliance, kAuditor };

// Returns the role named "admin", "compliance" or "auditor"; nullopt for anything else.
std::optional<Role> ParseRole(std::string_view name);
std::string_view RoleName(Role role);
const std::vector<Role>& AllRoles();

enum class Endpoint {
  kHealthz,             // GET /healthz
  kMetrics,             // GET /metrics
  kMessages,            // GET /v1/messages
  kDevSink,             // POST /dev/sink (only when api.dev_sink, i.e. quickstart)
  kAuditEntries,        // GET /v1/audit/entries
  kAuditCheckpoint,     // GET /v1/audit/checkpoint
  kAuditInclusion,      // GET /v1/audit/proofs/inclusion
  kAuditConsistency,    // GET /v1/audit/proofs/consistency
  kPublicKeys,          // GET /v1/keys: the document-signing key and the audit log's vkey
  kSubjectExport,       // POST /v1/subjects/export
  kSubjectErase,        // POST /v1/subjects/erase
  kLeaList,             // GET /v1/lea-requests
  kLeaOpen,             // POST /v1/lea-requests
  kLeaShow,             // GET /v1/lea-requests/{id}
  kLeaDecide,           // POST /v1/lea-requests/{id}/decision
  kLeaDisclose,         // POST /v1/lea-requests/{id}/disclosure
  kLeaNotify,           // POST /v1/lea-requests/{id}/notice
  kTransparencyReport,  // GET /v1/reports/transparency
};

// Who may call an endpoint.
struct AccessRule {
  bool open = false;                    // anyone; an Authorization header is not even read
  bool loopback_without_token = false;  // a loopback client needs no token; others do
  std::vector<Role> roles;              // roles a token must have
  bool personal_data = false;           // reads personal data: goes through AccessRecorder
};

const AccessRule& RuleFor(Endpoint endpoint);

// What the server knows about a caller before the role check.
struct Caller {
  bool has_token = false;    // an Authorization header was sent
  std::optional<Role> role;  // set iff the token is valid (exists, matches, not revoked)
  bool loopback = false;     // the peer address is 127.0.0.0/8 or ::1
};

enum class Decision {
  kAllow,
  kUnauthenticated,  // 401: no token where one is needed, or a token that is not valid
  kForbidden,        // 403: a valid token whose role may not call the endpoint
};

// The role matrix. A token that is sent is always checked (a bad one is 401 even where no token
// is needed), except on open endpoints.
Decision Authorize(Endpoint endpoint, const Caller& caller);

struct RouteMatch {
  std::optional<Endpoint> endpoint;  // set when path and method match
  std::string allow;                 // path known, method not: the Allow header (405)
  std::string id;                    // the {id} segment of /v1/lea-requests/{id}…
};

// Returns the endpoint for `method` and `path` (no query string). Unknown path: both empty
// (404); an {id} segment must be [A-Za-z0-9_-]{1,64}. /dev/sink exists only when `dev_sink`.
RouteMatch MatchRoute(std::string_view method, std::string_view path, bool dev_sink);

}  // namespace mailrelay::api
