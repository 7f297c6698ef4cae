// api/roles.cc — the role matrix and the route table.
#include "api/roles.h"

#include <algorithm>
#include <array>

namespace mailrelay::api {
namespace {

struct RouteEntry {
  std::string_view method;
  std::string_view path;
  Endpoint endpoint;
};

constexpr std::array<RouteEntry, 18> kRoutes = {{
    {"GET", "/healthz", Endpoint::kHealthz},
    {"GET", "/metrics", Endpoint::kMetrics},
    {"GET", "/v1/messages", Endpoint::kMessages},
    {"POST", "/dev/sink", Endpoint::kDevSink},
    {"GET", "/v1/audit/entries", Endpoint::kAuditEntries},
    {"GET", "/v1/audit/checkpoint", Endpoint::kAuditCheckpoint},
    {"GET", "/v1/audit/proofs/inclusion", Endpoint::kAuditInclusion},
    {"GET", "/v1/audit/proofs/consistency", Endpoint::kAuditConsistency},
    {"GET", "/v1/keys", Endpoint::kPublicKeys},
    {"POST", "/v1/subjects/export", Endpoint::kSubjectExport},
    {"POST", "/v1/subjects/erase", Endpoint::kSubjectErase},
    {"GET", "/v1/lea-requests", Endpoint::kLeaList},
    {"POST", "/v1/lea-requests", Endpoint::kLeaOpen},
    {"GET", "/v1/lea-requests/{id}", Endpoint::kLeaShow},
    {"POST", "/v1/lea-requests/{id}/decision", Endpoint::kLeaDecide},
    {"POST", "/v1/lea-requests/{id}/disclosure", Endpoint::kLeaDisclose},
    {"POST", "/v1/lea-requests/{id}/notice", Endpoint::kLeaNotify},
    {"GET", "/v1/reports/transparency", Endpoint::kTransparencyReport},
}};

bool IsIdSegment(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Returns whether `path` matches `pattern`, whose one "{id}" segment takes an id (into *id).
bool PathMatches(std::string_view pattern, std::string_view path, std::string* id) {
  const size_t hole = pattern.find("{id}");
  if (hole == std::string_view::npos) return pattern == path;
  const std::string_view head = pattern.substr(0, hole), tail = pattern.substr(hole + 4);
  if (path.size() <= head.size() + tail.size() || path.substr(0, head.size()) != head ||
      path.substr(path.size() - tail.size()) != tail) {
    return false;
  }
  std::string_view segment = path.substr(head.size(), path.size() - head.size() - tail.size());
  if (!IsIdSegment(segment)) return false;
  *id = std::string(segment);
  return true;
}

}  // namespace

std::optional<Role> ParseRole(std::string_view name) {
  if (name == "admin") return Role::kAdmin;
  if (name == "compliance") return Role::kCompliance;
  if (name == "auditor") return Role::kAuditor;
  return std::nullopt;
}

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kCompliance:
      return "compliance";
    case Role::kAuditor:
      return "auditor";
  }
  return "?";
}

const std::vector<Role>& AllRoles() {
  static const std::vector<Role> roles = {Role::kAdmin, Role::kCompliance, Role::kAuditor};
  return roles;
}

AccessRule MakeRule(bool open, bool loopback_without_token, std::vector<Role> roles,
                    bool personal_data) {
  AccessRule r;
  r.open = open;
  r.loopback_without_token = loopback_without_token;
  r.roles = std::move(roles);
  r.personal_data = personal_data;
  return r;
}

const AccessRule& RuleFor(Endpoint endpoint) {
  static const AccessRule kOpen = MakeRule(true, false, {}, false);
  // Prometheus scrapers usually run beside the relay; from elsewhere an admin token is needed.
  static const AccessRule kMetricsRule = MakeRule(false, true, {Role::kAdmin}, false);
  // Message history is personal data: admin and compliance only, and every call is recorded.
  static const AccessRule kMessagesRule =
      MakeRule(false, false, {Role::kAdmin, Role::kCompliance}, true);
  // The audit log holds no personal data (subjects only as blind indexes), so reading it is
  // not itself a recorded access. Auditors and admins; compliance works on personal data and
  // has no need to read the log (docs/api.md).
  static const AccessRule kAuditRule =
      MakeRule(false, false, {Role::kAdmin, Role::kAuditor}, false);
  // Export, erasure and law-enforcement requests: compliance staff only. Each call is its own
  // audit entry (compliance/compliance_service.h), not an AccessRecorder record.
  static const AccessRule kComplianceRule = MakeRule(false, false, {Role::kCompliance}, true);
  // Counts from the audit log: no personal data.
  static const AccessRule kReportRule =
      MakeRule(false, false, {Role::kAdmin, Role::kCompliance, Role::kAuditor}, false);
  switch (endpoint) {
    case Endpoint::kSubjectExport:
    case Endpoint::kSubjectErase:
    case Endpoint::kLeaList:
    case Endpoint::kLeaOpen:
    case Endpoint::kLeaShow:
    case Endpoint::kLeaDecide:
    case Endpoint::kLeaDisclose:
    case Endpoint::kLeaNotify:
      return kComplianceRule;
    case Endpoint::kTransparencyReport:
      return kReportRule;
    case Endpoint::kAuditEntries:
    case Endpoint::kAuditCheckpoint:
    case Endpoint::kAuditInclusion:
    case Endpoint::kAuditConsistency:
      return kAuditRule;
    case Endpoint::kHealthz:
    case Endpoint::kPublicKeys:  // public keys: anyone may verify what this installation signs
    case Endpoint::kDevSink:     // the relay itself posts here, without a token
      return kOpen;
    case Endpoint::kMetrics:
      return kMetricsRule;
    case Endpoint::kMessages:
      return kMessagesRule;
  }
  return kMessagesRule;
}

Decision Authorize(Endpoint endpoint, const Caller& caller) {
  const AccessRule& rule = RuleFor(endpoint);
  if (rule.open) return Decision::kAllow;
  if (!caller.has_token) {
    return rule.loopback_without_token && caller.loopback ? Decision::kAllow
                                                          : Decision::kUnauthenticated;
  }
  if (!caller.role) return Decision::kUnauthenticated;
  return std::find(rule.roles.begin(), rule.roles.end(), *caller.role) != rule.roles.end()
             ? Decision::kAllow
             : Decision::kForbidden;
}

RouteMatch MatchRoute(std::string_view method, std::string_view path, bool dev_sink) {
  RouteMatch out;
  for (const RouteEntry& r : kRoutes) {
    std::string id;
    if (!PathMatches(r.path, path, &id)) continue;
    if (r.endpoint == Endpoint::kDevSink && !dev_sink) continue;
    if (r.method == method) {
      out.endpoint = r.endpoint;
      out.allow.clear();
      out.id = std::move(id);
      return out;
    }
    if (!out.allow.empty()) out.allow += ", ";
    out.allow += r.method;
  }
  return out;
}

}  // namespace mailrelay::api
