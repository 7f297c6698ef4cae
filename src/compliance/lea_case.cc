// compliance/lea_case.cc — see lea_case.h.
#include "compliance/lea_case.h"

#include "common/time_format.h"

namespace mailrelay::compliance {
namespace {

constexpr size_t kMaxText = 200;

Status CheckText(const std::string& value, const std::string& name) {
  if (value.empty()) return Status::InvalidArgument(name + " is empty");
  if (value.size() > kMaxText) {
    return Status::InvalidArgument(name + " is longer than " + std::to_string(kMaxText) + " bytes");
  }
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) return Status::InvalidArgument(name + " holds control characters");
  }
  return Status::Ok();
}

std::string Ms(std::optional<int64_t> ms) { return ms ? FormatRfc3339(*ms) : "open"; }

nlohmann::json OptionalTime(std::optional<int64_t> ms) {
  return ms ? nlohmann::json(FormatRfc3339(*ms)) : nlohmann::json(nullptr);
}

StatusOr<std::optional<int64_t>> TimeFromJson(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::optional<int64_t>();
  if (!j[key].is_number_integer()) return Status::DataLoss(std::string(key) + " is not a number");
  return std::optional<int64_t>(j[key].get<int64_t>());
}

nlohmann::json MsOrNull(std::optional<int64_t> ms) {
  return ms ? nlohmann::json(*ms) : nlohmann::json(nullptr);
}

Status Refuse(const LeaCase& c, const std::string& what, const std::string& why) {
  return Status::FailedPrecondition("request " + c.id + " cannot be " + what + ": " + why);
}

}  // namespace

StatusOr<LeaCase> OpenLeaCase(const std::string& id, const LeaRequestInput& in,
                              const std::string& subject_index, const std::string& actor,
                              int64_t now_ms) {
  MR_RETURN_IF_ERROR(CheckText(in.authority, "authority"));
  MR_RETURN_IF_ERROR(CheckText(in.legal_basis, "legal basis"));
  MR_RETURN_IF_ERROR(CheckText(in.reference, "reference"));
  if (in.country.size() != 2 || in.country[0] < 'A' || in.country[0] > 'Z' || in.country[1] < 'A' ||
      in.country[1] > 'Z') {
    return Status::InvalidArgument("country must be an ISO 3166-1 alpha-2 code such as DE or US");
  }
  if (in.scope.subject.empty()) return Status::InvalidArgument("scope subject is empty");
  if (in.scope.from_ms && in.scope.to_ms && *in.scope.from_ms > *in.scope.to_ms) {
    return Status::InvalidArgument("scope: from (" + Ms(in.scope.from_ms) + ") is after to (" +
                                   Ms(in.scope.to_ms) + ")");
  }
  LeaCase c;
  c.id = id;
  c.status = "received";
  c.authority = in.authority;
  c.country = in.country;
  c.legal_basis = in.legal_basis;
  c.reference = in.reference;
  c.requested = in.scope;
  c.subject_index = subject_index;
  c.opened_at_ms = now_ms;
  c.opened_by = actor;
  return c;
}

Status Decide(LeaCase& c, const DecisionInput& in, const std::string& actor, int64_t now_ms) {
  if (c.status != "received") return Refuse(c, "decided", "it is already " + c.status);
  MR_RETURN_IF_ERROR(CheckText(in.reason, "reason"));
  if (!in.approve && (in.from_ms || in.to_ms)) {
    return Status::InvalidArgument("a rejection takes no scope");
  }
  std::optional<int64_t> from = in.from_ms ? in.from_ms : c.requested.from_ms;
  std::optional<int64_t> to = in.to_ms ? in.to_ms : c.requested.to_ms;
  if (in.approve) {
    const bool from_outside = c.requested.from_ms && (!from || *from < *c.requested.from_ms);
    const bool to_outside = c.requested.to_ms && (!to || *to > *c.requested.to_ms);
    if (from_outside || to_outside) {
      return Status::InvalidArgument("approved scope " + Ms(from) + " … " + Ms(to) +
                                     " lies outside the requested scope " +
                                     Ms(c.requested.from_ms) + " … " + Ms(c.requested.to_ms));
    }
    if (from && to && *from > *to) {
      return Status::InvalidArgument("approved scope: from is after to");
    }
  }
  c.decision = LeaCase::Decision{in.approve, in.reason, actor, now_ms};
  c.status = in.approve ? "approved" : "rejected";
  if (in.approve) {
    c.approved_from_ms = from;
    c.approved_to_ms = to;
    c.narrowed = from != c.requested.from_ms || to != c.requested.to_ms;
  }
  return Status::Ok();
}

Status RecordDisclosure(LeaCase& c, uint64_t records, uint64_t accounts, const std::string& sha256,
                        const std::string& actor, int64_t now_ms) {
  if (c.status == "disclosed") return Refuse(c, "disclosed", "it was disclosed already");
  if (c.status != "approved") {
    return Refuse(c, "disclosed", "it is " + c.status + ", not approved");
  }
  c.disclosure = LeaCase::Disclosure{records, accounts, sha256, actor, now_ms};
  c.status = "disclosed";
  return Status::Ok();
}

Status Notify(LeaCase& c, const NoticeInput& in, const std::string& actor, int64_t now_ms) {
  if (!c.decision) return Refuse(c, "notified", "it has not been decided yet");
  if (c.notice && c.notice->notified) {
    return Refuse(c, "notified", "the customer was notified already");
  }
  if (in.notified == in.until_ms.has_value()) {
    return Status::InvalidArgument("give either a notice or a deferral date, not both or neither");
  }
  if (!in.notified) {
    MR_RETURN_IF_ERROR(CheckText(in.reason, "deferral reason"));
    if (*in.until_ms <= now_ms) {
      return Status::InvalidArgument("defer-until " + FormatRfc3339(*in.until_ms) +
                                     " is not in the future");
    }
  } else if (!in.reason.empty()) {
    MR_RETURN_IF_ERROR(CheckText(in.reason, "reason"));
  }
  c.notice = LeaCase::Notice{in.notified, in.until_ms, in.reason, actor, now_ms};
  return Status::Ok();
}

bool InApprovedScope(const LeaCase& c, int64_t received_at_ms) {
  if (c.approved_from_ms && received_at_ms < *c.approved_from_ms) return false;
  if (c.approved_to_ms && received_at_ms > *c.approved_to_ms) return false;
  return true;
}

std::string Outcome(const LeaCase& c) {
  if (c.status == "received") return "pending";
  if (c.status == "disclosed") return c.narrowed ? "partially_disclosed" : "disclosed";
  return c.status;
}

nlohmann::json LeaCaseToJson(const LeaCase& c) {
  nlohmann::json j = {{"id", c.id},
                      {"status", c.status},
                      {"authority", c.authority},
                      {"country", c.country},
                      {"legal_basis", c.legal_basis},
                      {"reference", c.reference},
                      {"subject", c.requested.subject},
                      {"from_ms", MsOrNull(c.requested.from_ms)},
                      {"to_ms", MsOrNull(c.requested.to_ms)},
                      {"approved_from_ms", MsOrNull(c.approved_from_ms)},
                      {"approved_to_ms", MsOrNull(c.approved_to_ms)},
                      {"narrowed", c.narrowed},
                      {"subject_index", c.subject_index},
                      {"opened_at_ms", c.opened_at_ms},
                      {"opened_by", c.opened_by},
                      {"decision", nullptr},
                      {"disclosure", nullptr},
                      {"notice", nullptr}};
  if (c.decision) {
    j["decision"] = {{"approved", c.decision->approved},
                     {"reason", c.decision->reason},
                     {"actor", c.decision->actor},
                     {"at_ms", c.decision->at_ms}};
  }
  if (c.disclosure) {
    j["disclosure"] = {{"records", c.disclosure->records},
                       {"accounts", c.disclosure->accounts},
                       {"sha256", c.disclosure->sha256},
                       {"actor", c.disclosure->actor},
                       {"at_ms", c.disclosure->at_ms}};
  }
  if (c.notice) {
    j["notice"] = {{"notified", c.notice->notified},
                   {"until_ms", MsOrNull(c.notice->until_ms)},
                   {"reason", c.notice->reason},
                   {"actor", c.notice->actor},
                   {"at_ms", c.notice->at_ms}};
  }
  return j;
}

StatusOr<LeaCase> LeaCaseFromJson(const nlohmann::json& j) {
  try {
    LeaCase c;
    c.id = j.at("id").get<std::string>();
    c.status = j.at("status").get<std::string>();
    c.authority = j.at("authority").get<std::string>();
    c.country = j.at("country").get<std::string>();
    c.legal_basis = j.at("legal_basis").get<std::string>();
    c.reference = j.at("reference").get<std::string>();
    c.requested.subject = j.at("subject").get<std::string>();
    MR_ASSIGN_OR_RETURN(c.requested.from_ms, TimeFromJson(j, "from_ms"));
    MR_ASSIGN_OR_RETURN(c.requested.to_ms, TimeFromJson(j, "to_ms"));
    MR_ASSIGN_OR_RETURN(c.approved_from_ms, TimeFromJson(j, "approved_from_ms"));
    MR_ASSIGN_OR_RETURN(c.approved_to_ms, TimeFromJson(j, "approved_to_ms"));
    c.narrowed = j.at("narrowed").get<bool>();
    c.subject_index = j.at("subject_index").get<std::string>();
    c.opened_at_ms = j.at("opened_at_ms").get<int64_t>();
    c.opened_by = j.at("opened_by").get<std::string>();
    if (const auto& d = j.at("decision"); !d.is_null()) {
      c.decision =
          LeaCase::Decision{d.at("approved").get<bool>(), d.at("reason").get<std::string>(),
                            d.at("actor").get<std::string>(), d.at("at_ms").get<int64_t>()};
    }
    if (const auto& d = j.at("disclosure"); !d.is_null()) {
      c.disclosure =
          LeaCase::Disclosure{d.at("records").get<uint64_t>(), d.at("accounts").get<uint64_t>(),
                              d.at("sha256").get<std::string>(), d.at("actor").get<std::string>(),
                              d.at("at_ms").get<int64_t>()};
    }
    if (const auto& n = j.at("notice"); !n.is_null()) {
      LeaCase::Notice notice;
      notice.notified = n.at("notified").get<bool>();
      MR_ASSIGN_OR_RETURN(notice.until_ms, TimeFromJson(n, "until_ms"));
      notice.reason = n.at("reason").get<std::string>();
      notice.actor = n.at("actor").get<std::string>();
      notice.at_ms = n.at("at_ms").get<int64_t>();
      c.notice = notice;
    }
    return c;
  } catch (const nlohmann::json::exception& e) {
    return Status::DataLoss(std::string("stored law-enforcement request is malformed: ") +
                            e.what());
  }
}

nlohmann::json LeaCaseView(const LeaCase& c) {
  nlohmann::json v = {
      {"id", c.id},
      {"status", c.status},
      {"outcome", Outcome(c)},
      {"authority", c.authority},
      {"country", c.country},
      {"legal_basis", c.legal_basis},
      {"reference", c.reference},
      {"subject_index", c.subject_index},
      {"requested_scope",
       {{"from", OptionalTime(c.requested.from_ms)}, {"to", OptionalTime(c.requested.to_ms)}}},
      {"opened_at", FormatRfc3339(c.opened_at_ms)},
      {"opened_by", c.opened_by},
      {"decision", nullptr},
      {"disclosure", nullptr},
      {"notice", nullptr}};
  if (c.decision) {
    v["decision"] = {{"approved", c.decision->approved},
                     {"reason", c.decision->reason},
                     {"actor", c.decision->actor},
                     {"at", FormatRfc3339(c.decision->at_ms)}};
    if (c.decision->approved) {
      v["decision"]["scope"] = {{"from", OptionalTime(c.approved_from_ms)},
                                {"to", OptionalTime(c.approved_to_ms)},
                                {"narrowed", c.narrowed}};
    }
  }
  if (c.disclosure) {
    v["disclosure"] = {{"records", c.disclosure->records},
                       {"accounts", c.disclosure->accounts},
                       {"sha256", c.disclosure->sha256},
                       {"actor", c.disclosure->actor},
                       {"at", FormatRfc3339(c.disclosure->at_ms)}};
  }
  if (c.notice) {
    v["notice"] = {{"state", c.notice->notified ? "notified" : "deferred"},
                   {"until", OptionalTime(c.notice->until_ms)},
                   {"reason", c.notice->reason},
                   {"actor", c.notice->actor},
                   {"at", FormatRfc3339(c.notice->at_ms)}};
  }
  return v;
}

nlohmann::json LeaAuditDetails(const LeaCase& c, const std::string& transition) {
  nlohmann::json d = {{"request", c.id},          {"authority", c.authority},
                      {"country", c.country},     {"legal_basis", c.legal_basis},
                      {"reference", c.reference}, {"subject_index", c.subject_index},
                      {"status", c.status}};
  if (transition == "open") {
    d["scope"] = {{"from", OptionalTime(c.requested.from_ms)},
                  {"to", OptionalTime(c.requested.to_ms)}};
  } else if (transition == "decide" && c.decision) {
    d["decision"] = c.decision->approved ? "approved" : "rejected";
    d["reason"] = c.decision->reason;
    d["narrowed"] = c.narrowed;
    if (c.decision->approved) {
      d["scope"] = {{"from", OptionalTime(c.approved_from_ms)},
                    {"to", OptionalTime(c.approved_to_ms)}};
    }
  } else if (transition == "disclose" && c.disclosure) {
    d["records"] = c.disclosure->records;
    d["accounts"] = c.disclosure->accounts;
    d["sha256"] = c.disclosure->sha256;
    d["outcome"] = Outcome(c);
  } else if (transition == "notify" && c.notice) {
    d["notice"] = c.notice->notified ? "notified" : "deferred";
    d["until"] = OptionalTime(c.notice->until_ms);
    if (!c.notice->reason.empty()) d["reason"] = c.notice->reason;
  }
  return d;
}

}  // namespace mailrelay::compliance
