// api/compliance_api.cc — see compliance_api.h.
#include "api/compliance_api.h"

#include "auditlog/base64.h"
#include "common/time_format.h"
#include "compliance/compliance_service.h"

namespace mailrelay::api {
namespace {

ComplianceAnswer Json(int status, const nlohmann::json& body) {
  ComplianceAnswer a;
  a.status = status;
  a.body = body.dump();
  return a;
}

ComplianceAnswer Error(const Status& s) {
  return Json(HttpStatusFor(s), nlohmann::json{{"error", s.message()}});
}

ComplianceAnswer BadRequest(const std::string& why) {
  return Json(400, nlohmann::json{{"error", why}});
}

// Reads an optional string member; false (with *why) when present but not a string.
bool OptionalString(const nlohmann::json& body, const char* key, std::string* out,
                    std::string* why) {
  if (!body.is_object() || !body.contains(key) || body[key].is_null()) return true;
  if (!body[key].is_string()) {
    *why = std::string(key) + " must be a string";
    return false;
  }
  *out = body[key].get<std::string>();
  return true;
}

bool RequiredString(const nlohmann::json& body, const char* key, std::string* out,
                    std::string* why) {
  if (!OptionalString(body, key, out, why)) return false;
  if (out->empty()) {
    *why = std::string(key) + " is required";
    return false;
  }
  return true;
}

// Reads an optional time member ("2026-11-28", RFC 3339 UTC, or unix ms as a number).
bool OptionalTime(const nlohmann::json& obj, const char* key, std::optional<int64_t>* out,
                  std::string* why) {
  if (!obj.is_object() || !obj.contains(key) || obj[key].is_null()) return true;
  if (obj[key].is_number_integer()) {
    *out = obj[key].get<int64_t>();
    return true;
  }
  if (obj[key].is_string()) *out = ParseTimeMs(obj[key].get<std::string>());
  if (!*out) *why = std::string(key) + " must be a date (2026-11-28, RFC 3339 UTC or unix ms)";
  return out->has_value();
}

// A signed document as the body (or, sealed, its bytes), its digest and entry in headers.
ComplianceAnswer Document(const compliance::SignedResult& r, const std::string& seal_to) {
  ComplianceAnswer a;
  a.body = r.envelope.dump();
  if (!seal_to.empty()) {
    auto sealed = compliance::SealTo(a.body, seal_to);
    if (!sealed.ok()) return Error(sealed.status());
    a.body = std::move(*sealed);
    a.content_type = "application/octet-stream";
  }
  a.headers = {{"X-Mailrelay-Document-Sha256", r.document_sha256},
               {"X-Mailrelay-Audit-Index", std::to_string(r.audit_index)},
               {"X-Mailrelay-Records", std::to_string(r.records)}};
  return a;
}

std::string Param(const ComplianceRequest& req, const std::string& name) {
  for (const auto& [k, v] : req.params) {
    if (k == name) return v;
  }
  return "";
}

}  // namespace

int HttpStatusFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kFailedPrecondition:
    case StatusCode::kAlreadyExists:
      return 409;
    default:
      return 503;
  }
}

ComplianceAnswer HandleCompliance(const ComplianceRequest& req,
                                  compliance::ComplianceService& desk) {
  const nlohmann::json& body = req.body;
  std::string why;
  switch (req.endpoint) {
    case Endpoint::kSubjectExport: {
      std::string subject, seal_to;
      if (!RequiredString(body, "subject", &subject, &why) ||
          !OptionalString(body, "seal_to", &seal_to, &why)) {
        return BadRequest(why);
      }
      auto r = desk.Export(subject, req.actor, "api");
      return r.ok() ? Document(*r, seal_to) : Error(r.status());
    }
    case Endpoint::kSubjectErase: {
      std::string subject, reason;
      if (!RequiredString(body, "subject", &subject, &why) ||
          !RequiredString(body, "reason", &reason, &why)) {
        return BadRequest(why);
      }
      bool dry_run = false;
      if (body.contains("dry_run")) {
        if (!body["dry_run"].is_boolean()) return BadRequest("dry_run must be true or false");
        dry_run = body["dry_run"].get<bool>();
      }
      auto r = desk.Erase(subject, reason, req.actor, "api", dry_run);
      return r.ok() ? Document(*r, "") : Error(r.status());
    }
    case Endpoint::kLeaOpen: {
      compliance::LeaRequestInput in;
      if (!RequiredString(body, "authority", &in.authority, &why) ||
          !RequiredString(body, "country", &in.country, &why) ||
          !RequiredString(body, "legal_basis", &in.legal_basis, &why) ||
          !RequiredString(body, "reference", &in.reference, &why)) {
        return BadRequest(why);
      }
      const nlohmann::json scope = body.value("scope", nlohmann::json::object());
      if (!RequiredString(scope, "subject", &in.scope.subject, &why) ||
          !OptionalTime(scope, "from", &in.scope.from_ms, &why) ||
          !OptionalTime(scope, "to", &in.scope.to_ms, &why)) {
        return BadRequest("scope: " + why);
      }
      auto r = desk.LeaOpen(in, req.actor);
      return r.ok() ? Json(201, *r) : Error(r.status());
    }
    case Endpoint::kLeaDecide: {
      compliance::DecisionInput in;
      if (!body.is_object() || !body.contains("approve") || !body["approve"].is_boolean()) {
        return BadRequest("approve (true or false) is required");
      }
      in.approve = body["approve"].get<bool>();
      if (!RequiredString(body, "reason", &in.reason, &why)) return BadRequest(why);
      const nlohmann::json scope = body.value("scope", nlohmann::json::object());
      if (!OptionalTime(scope, "from", &in.from_ms, &why) ||
          !OptionalTime(scope, "to", &in.to_ms, &why)) {
        return BadRequest("scope: " + why);
      }
      auto r = desk.LeaDecide(req.id, in, req.actor);
      return r.ok() ? Json(200, *r) : Error(r.status());
    }
    case Endpoint::kLeaDisclose: {
      std::string seal_to;
      if (!OptionalString(body, "seal_to", &seal_to, &why)) return BadRequest(why);
      auto r = desk.LeaDisclose(req.id, req.actor);
      return r.ok() ? Document(*r, seal_to) : Error(r.status());
    }
    case Endpoint::kLeaNotify: {
      compliance::NoticeInput in;
      if (body.is_object() && body.contains("notified")) {
        if (!body["notified"].is_boolean()) return BadRequest("notified must be true or false");
        in.notified = body["notified"].get<bool>();
      }
      if (!OptionalTime(body, "defer_until", &in.until_ms, &why) ||
          !OptionalString(body, "reason", &in.reason, &why)) {
        return BadRequest(why);
      }
      auto r = desk.LeaNotify(req.id, in, req.actor);
      return r.ok() ? Json(200, *r) : Error(r.status());
    }
    case Endpoint::kLeaList: {
      auto r = desk.LeaList();
      return r.ok() ? Json(200, *r) : Error(r.status());
    }
    case Endpoint::kLeaShow: {
      auto r = desk.LeaShow(req.id);
      return r.ok() ? Json(200, *r) : Error(r.status());
    }
    case Endpoint::kTransparencyReport: {
      std::optional<int64_t> from = ParseTimeMs(Param(req, "from"));
      std::optional<int64_t> to = ParseTimeMs(Param(req, "to"));
      if (!from || !to) {
        return BadRequest("from and to are required dates (2026-01-01, RFC 3339 UTC or unix ms)");
      }
      auto r = desk.Report({*from, *to});
      return r.ok() ? Json(200, *r) : Error(r.status());
    }
    default:
      return Json(404, nlohmann::json{{"error", "no such endpoint"}});
  }
}

}  // namespace mailrelay::api
