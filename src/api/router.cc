// api/router.cc — request routing and the auth middleware.
#include "api/router.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/URI.h>

#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "api/audit_json.h"
#include "api/auth.h"
#include "api/compliance_api.h"
#include "api/messages_query.h"
#include "api/record_json.h"
#include "api/roles.h"
#include "auditlog/audit_log.h"
#include "common/log.h"
#include "compliance/compliance_service.h"
#include "vault/token_store.h"
#include "vault/vault.h"

namespace mailrelay::api {
namespace {

using Poco::Net::HTTPRequestHandler;
using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

constexpr size_t kMaxSinkBody = 64u << 20;
constexpr size_t kMaxJsonBody = 1u << 20;

void Reply(HTTPServerResponse& response, HTTPResponse::HTTPStatus status,
           const std::string& content_type, const std::string& body) {
  response.setStatus(status);
  response.setContentType(content_type);
  response.set("Cache-Control", "no-store");
  response.setContentLength(static_cast<std::streamsize>(body.size()));
  response.send().write(body.data(), static_cast<std::streamsize>(body.size()));
}

void ReplyError(HTTPServerResponse& response, HTTPResponse::HTTPStatus status,
                const std::string& message) {
  Reply(response, status, "application/json", nlohmann::json{{"error", message}}.dump());
}

void ReplyUnauthenticated(HTTPServerResponse& response, const std::string& message,
                          bool bad_token) {
  // RFC 6750 §3: no error attribute when no credentials were sent.
  response.set("WWW-Authenticate", bad_token ? R"(Bearer realm="mailrelay", error="invalid_token")"
                                             : R"(Bearer realm="mailrelay")");
  ReplyError(response, HTTPResponse::HTTP_UNAUTHORIZED, message);
}

void DevSink(HTTPServerRequest& request, HTTPServerResponse& response) {
  static std::mutex print_mu;
  std::string body;
  char buf[16384];
  std::istream& in = request.stream();
  while (in && body.size() <= kMaxSinkBody) {
    in.read(buf, sizeof buf);
    body.append(buf, static_cast<size_t>(in.gcount()));
  }
  {
    std::lock_guard lock(print_mu);
    std::cout << "── dev sink: delivery " << request.get("X-Mailrelay-Message-Id", "?") << " ("
              << body.size() << " bytes, " << request.getContentType() << ") ──\n"
              << body << "\n"
              << std::flush;
  }
  Reply(response, HTTPResponse::HTTP_OK, "text/plain", "ok\n");
}

struct Authenticated {
  vault::TokenInfo token;  // id 0 when the call needed (and had) no token
  std::optional<Role> role;
};

class Handler : public HTTPRequestHandler {
 public:
  explicit Handler(const ApiContext& ctx) : ctx_(ctx) {}

  void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
    try {
      Handle(request, response);
    } catch (const std::exception&) {
      log::Error("api.handler_exception").Emit();
      if (!response.sent()) {
        ReplyError(response, HTTPResponse::HTTP_INTERNAL_SERVER_ERROR, "internal error");
      }
    }
  }

 private:
  void Handle(HTTPServerRequest& request, HTTPServerResponse& response) {
    const std::string& uri = request.getURI();
    const std::string path = uri.substr(0, uri.find('?'));
    RouteMatch match = MatchRoute(request.getMethod(), path, ctx_.dev_sink);
    if (!match.endpoint) {
      if (!match.allow.empty()) {
        response.set("Allow", match.allow);
        ReplyError(response, HTTPResponse::HTTP_METHOD_NOT_ALLOWED,
                   "method not allowed; use " + match.allow);
      } else {
        ReplyError(response, HTTPResponse::HTTP_NOT_FOUND, "no such endpoint");
      }
      return;
    }
    const Endpoint endpoint = *match.endpoint;
    Authenticated who;
    if (!RuleFor(endpoint).open && !Authenticate(request, response, endpoint, &who)) return;
    switch (endpoint) {
      case Endpoint::kHealthz:
        Reply(response, HTTPResponse::HTTP_OK, "application/json", R"({"status":"ok"})");
        return;
      case Endpoint::kMetrics:
        Reply(response, HTTPResponse::HTTP_OK, "text/plain; version=0.0.4",
              ctx_.metrics_text ? ctx_.metrics_text() : std::string());
        return;
      case Endpoint::kDevSink:
        DevSink(request, response);
        return;
      case Endpoint::kMessages:
        Messages(request, response, who);
        return;
      case Endpoint::kAuditEntries:
      case Endpoint::kAuditCheckpoint:
      case Endpoint::kAuditInclusion:
      case Endpoint::kAuditConsistency:
        AuditRead(endpoint, request, response);
        return;
      case Endpoint::kPublicKeys:
        PublicKeys(response);
        return;
      case Endpoint::kSubjectExport:
      case Endpoint::kSubjectErase:
      case Endpoint::kLeaList:
      case Endpoint::kLeaOpen:
      case Endpoint::kLeaShow:
      case Endpoint::kLeaDecide:
      case Endpoint::kLeaDisclose:
      case Endpoint::kLeaNotify:
      case Endpoint::kTransparencyReport:
        Compliance(endpoint, match.id, request, response, who);
        return;
    }
  }

  void PublicKeys(HTTPServerResponse& response) {
    if (ctx_.compliance == nullptr) {
      ReplyError(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE, "no signing keys loaded");
      return;
    }
    Reply(response, HTTPResponse::HTTP_OK, "application/json",
          ctx_.compliance->PublicKeysJson().dump());
  }

  // The compliance endpoints: parse, run (api/compliance_api.h), answer. Each call is its own
  // audit entry inside ComplianceService, written before anything is disclosed.
  void Compliance(Endpoint endpoint, const std::string& id, HTTPServerRequest& request,
                  HTTPServerResponse& response, const Authenticated& who) {
    ComplianceRequest req{endpoint, id, nullptr, {}, "api:token-" + std::to_string(who.token.id)};
    auto params = Params(request, response);
    if (!params) return;
    req.params = std::move(*params);
    if (request.getMethod() == "POST") {
      std::string body;
      char buf[16384];
      std::istream& in = request.stream();
      while (in && body.size() <= kMaxJsonBody) {
        in.read(buf, sizeof buf);
        body.append(buf, static_cast<size_t>(in.gcount()));
      }
      if (body.size() > kMaxJsonBody) {
        ReplyError(response, HTTPResponse::HTTP_REQUEST_ENTITY_TOO_LARGE,
                   "request body over " + std::to_string(kMaxJsonBody) + " bytes");
        return;
      }
      req.body = body.empty() ? nlohmann::json::object()
                              : nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
      if (req.body.is_discarded() || !req.body.is_object()) {
        ReplyError(response, HTTPResponse::HTTP_BAD_REQUEST, "request body must be a JSON object");
        return;
      }
    }
    if (ctx_.compliance == nullptr) {
      ReplyError(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE,
                 "compliance service unavailable");
      return;
    }
    ComplianceAnswer answer = HandleCompliance(req, *ctx_.compliance);
    if (answer.status == 503) {
      log::Error("api.compliance_failed").Num("endpoint", static_cast<int64_t>(endpoint)).Emit();
    }
    for (const auto& [name, value] : answer.headers) response.set(name, value);
    Reply(response, static_cast<HTTPResponse::HTTPStatus>(answer.status), answer.content_type,
          answer.body);
  }

  // Returns the query parameters, or answers 400 and returns nullopt.
  static std::optional<QueryParams> Params(HTTPServerRequest& request,
                                           HTTPServerResponse& response) {
    QueryParams params;
    try {
      Poco::URI uri(request.getURI());
      for (auto& [k, v] : uri.getQueryParameters()) params.emplace_back(k, v);
    } catch (const Poco::Exception&) {
      ReplyError(response, HTTPResponse::HTTP_BAD_REQUEST, "query string cannot be decoded");
      return std::nullopt;
    }
    return params;
  }

  static void AuditUnavailable(HTTPServerResponse& response, const Status& s) {
    log::Error("api.audit_read_failed").Ident("status", log::Id(StatusCodeName(s.code()))).Emit();
    ReplyError(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE,
               "audit log unavailable; try again");
  }

  // GET /v1/audit/{entries,checkpoint,proofs/inclusion,proofs/consistency}. The log holds no
  // personal data, so these reads are not themselves recorded (docs/api.md).
  void AuditRead(Endpoint endpoint, HTTPServerRequest& request, HTTPServerResponse& response) {
    auto params = Params(request, response);
    if (!params) return;
    // Parameters first: a malformed call is 400 whether or not the log is there.
    StatusOr<AuditEntriesQuery> eq = AuditEntriesQuery{};
    StatusOr<AuditInclusionQuery> iq = AuditInclusionQuery{};
    StatusOr<AuditConsistencyQuery> cq = AuditConsistencyQuery{};
    Status bad = Status::Ok();
    switch (endpoint) {
      case Endpoint::kAuditEntries:
        eq = ParseAuditEntriesQuery(*params);
        bad = eq.status();
        break;
      case Endpoint::kAuditCheckpoint:
        if (!params->empty()) {
          bad = Status::InvalidArgument(params->front().first +
                                        ": unknown parameter (this endpoint takes none)");
        }
        break;
      case Endpoint::kAuditInclusion:
        iq = ParseInclusionQuery(*params);
        bad = iq.status();
        break;
      default:
        cq = ParseConsistencyQuery(*params);
        bad = cq.status();
        break;
    }
    if (!bad.ok()) {
      ReplyError(response, HTTPResponse::HTTP_BAD_REQUEST, bad.message());
      return;
    }
    if (ctx_.audit == nullptr) {
      ReplyError(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE, "no audit log");
      return;
    }
    auditlog::AuditLog& log = *ctx_.audit;
    auto head = log.Latest();
    if (!head.ok()) return AuditUnavailable(response, head.status());
    const uint64_t n = head->size;
    const std::string entries_word = " (the log has " + std::to_string(n) + " entries)";
    switch (endpoint) {
      case Endpoint::kAuditEntries: {
        if (eq->from > n) {
          ReplyError(
              response, HTTPResponse::HTTP_NOT_FOUND,
              "from: " + std::to_string(eq->from) + " is beyond the end of the log" + entries_word);
          return;
        }
        auto entries = log.Entries(eq->from, static_cast<size_t>(eq->limit));
        if (!entries.ok()) return AuditUnavailable(response, entries.status());
        // Entries() reads up to the latest head, which may have grown since `head`.
        const uint64_t size = std::max<uint64_t>(n, eq->from + entries->size());
        Reply(response, HTTPResponse::HTTP_OK, "application/json",
              AuditEntriesJson(eq->from, size, *entries).dump());
        return;
      }
      case Endpoint::kAuditCheckpoint:
        Reply(response, HTTPResponse::HTTP_OK, "text/plain; charset=utf-8", head->checkpoint);
        return;
      case Endpoint::kAuditInclusion: {
        const uint64_t size = iq->size ? iq->size : n;
        if (iq->size > n) {
          ReplyError(
              response, HTTPResponse::HTTP_NOT_FOUND,
              "size: " + std::to_string(iq->size) + " is larger than the log" + entries_word);
          return;
        }
        if (iq->index >= size) {
          ReplyError(response, HTTPResponse::HTTP_NOT_FOUND,
                     "index: " + std::to_string(iq->index) + " is not below the tree size " +
                         std::to_string(size) + (iq->size ? "" : entries_word));
          return;
        }
        auto answer = log.ProveInclusion(iq->index, size);
        if (!answer.ok()) return AuditUnavailable(response, answer.status());
        Reply(response, HTTPResponse::HTTP_OK, "application/json",
              InclusionProofJson(*answer).dump());
        return;
      }
      default: {
        const uint64_t size = cq->size ? cq->size : n;
        if (cq->size > n) {
          ReplyError(
              response, HTTPResponse::HTTP_NOT_FOUND,
              "size: " + std::to_string(cq->size) + " is larger than the log" + entries_word);
          return;
        }
        if (cq->old_size > size) {
          ReplyError(response, HTTPResponse::HTTP_UNPROCESSABLE_ENTITY,
                     "old: " + std::to_string(cq->old_size) + " is larger than the new size " +
                         std::to_string(size));
          return;
        }
        auto answer = log.ProveConsistency(cq->old_size, size);
        if (!answer.ok()) return AuditUnavailable(response, answer.status());
        Reply(response, HTTPResponse::HTTP_OK, "application/json",
              ConsistencyProofJson(*answer).dump());
        return;
      }
    }
  }

  // The auth middleware. Returns true when the call may go on; otherwise it has answered.
  bool Authenticate(HTTPServerRequest& request, HTTPServerResponse& response, Endpoint endpoint,
                    Authenticated* who) {
    Caller caller;
    caller.has_token = request.has("Authorization");
    try {
      caller.loopback = request.clientAddress().host().isLoopback();
    } catch (const std::exception&) {
      caller.loopback = false;
    }
    std::string why = "missing bearer token (send Authorization: Bearer <token>)";
    if (caller.has_token) {
      std::string header = request.get("Authorization");
      std::optional<std::string_view> token = BearerToken(header);
      if (!token) {
        why = "Authorization must be \"Bearer <token>\"";
      } else if (ctx_.vault == nullptr) {
        vault::WipeString(header);
        ReplyError(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE, "no token store");
        return false;
      } else {
        auto store = ctx_.vault->Tokens();
        StatusOr<vault::TokenInfo> info = store.ok() ? (*store)->Authenticate(*token)
                                                     : StatusOr<vault::TokenInfo>(store.status());
        if (info.ok()) {
          if (auto role = ParseRole(info->role)) {
            caller.role = role;
            who->role = role;
            who->token = std::move(*info);
          } else {
            why = "token has an unknown role";
          }
        } else if (info.status().code() == StatusCode::kUnauthenticated) {
          why = "invalid token: " + info.status().message();
        } else {
          vault::WipeString(header);
          log::Error("api.token_store_failed")
              .Ident("status", log::Id(StatusCodeName(info.status().code())))
              .Emit();
          ReplyError(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE,
                     "token store unavailable; try again");
          return false;
        }
      }
      vault::WipeString(header);
    }
    switch (Authorize(endpoint, caller)) {
      case Decision::kAllow:
        return true;
      case Decision::kUnauthenticated:
        ReplyUnauthenticated(response, why, caller.has_token);
        return false;
      case Decision::kForbidden: {
        std::string allowed;
        for (Role r : RuleFor(endpoint).roles) {
          allowed += (allowed.empty() ? "" : ", ") + std::string(RoleName(r));
        }
        ReplyError(response, HTTPResponse::HTTP_FORBIDDEN,
                   "role " + std::string(RoleName(*caller.role)) +
                       " may not call this endpoint; allowed: " + allowed);
        return false;
      }
    }
    return false;
  }

  void Messages(HTTPServerRequest& request, HTTPServerResponse& response,
                const Authenticated& who) {
    std::vector<std::pair<std::string, std::string>> params;
    try {
      Poco::URI uri(request.getURI());
      for (auto& [k, v] : uri.getQueryParameters()) params.emplace_back(k, v);
    } catch (const Poco::Exception&) {
      ReplyError(response, HTTPResponse::HTTP_BAD_REQUEST, "query string cannot be decoded");
      return;
    }
    auto query = ParseMessagesQuery(params);
    if (!query.ok()) {
      ReplyError(response, HTTPResponse::HTTP_BAD_REQUEST, query.status().message());
      return;
    }
    if (ctx_.vault == nullptr) {
      ReplyError(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE, "no vault");
      return;
    }
    auto page = ctx_.vault->ListMessages(*query);
    if (!page.ok()) {
      if (page.status().code() == StatusCode::kInvalidArgument) {
        // The only argument the vault checks beyond ours is the cursor.
        ReplyError(response, HTTPResponse::HTTP_BAD_REQUEST, "cursor: " + page.status().message());
      } else {
        log::Error("api.messages_failed")
            .Ident("status", log::Id(StatusCodeName(page.status().code())))
            .Emit();
        ReplyError(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE,
                   "message history unavailable; try again");
      }
      return;
    }
    // Audit hook (api/access_recorder.h): after the read, before anything is disclosed.
    AccessEvent event;
    event.token_id = who.token.id;
    event.token_name = who.token.name;
    event.role = who.role ? std::string(RoleName(*who.role)) : "";
    event.action = "messages.list";
    for (const auto& [k, v] : params) event.params[k] = v;
    for (const auto& r : page->records) event.record_ids.push_back(r.id);
    NoopAccessRecorder noop;
    AccessRecorder& recorder = ctx_.recorder ? *ctx_.recorder : noop;
    if (Status s = recorder.Record(event); !s.ok()) {
      log::Error("api.access_record_failed")
          .Ident("status", log::Id(StatusCodeName(s.code())))
          .Emit();
      ReplyError(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE,
                 "access could not be recorded; nothing disclosed");
      return;
    }
    Reply(response, HTTPResponse::HTTP_OK, "application/json", MessagePageJson(*page).dump());
  }

  const ApiContext& ctx_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(const ApiContext& ctx) : ctx_(ctx) {}
  HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
    return new Handler(ctx_);
  }

 private:
  ApiContext ctx_;
};

}  // namespace

Poco::Net::HTTPRequestHandlerFactory* NewRequestHandlerFactory(const ApiContext& context) {
  return new Factory(context);
}

}  // namespace mailrelay::api
