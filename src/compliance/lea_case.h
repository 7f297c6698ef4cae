// compliance/lea_case.h — a law-enforcement access request and its life cycle, as a pure state
// machine: received → approved | rejected; approved → disclosed; a customer notice (given, or
// deferred until a date) once decided. docs/compliance.md has the diagram.
//
//   MR_ASSIGN_OR_RETURN(LeaCase c, OpenLeaCase(id, input, subject_index, "cli:ann", now_ms));
//   MR_RETURN_IF_ERROR(Decide(c, {.approve = true, .reason = "court order checked"}, …));
//
// Every function checks the transition and changes nothing when it is refused
// (kFailedPrecondition for a transition the state forbids, kInvalidArgument for bad values).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace mailrelay::compliance {

struct LeaScope {
  std::string subject;                    // keyring::NormalizeAddress of the address in scope
  std::optional<int64_t> from_ms, to_ms;  // received_at bounds, inclusive; unset = open
};

struct LeaRequestInput {
  std::string authority, country, legal_basis, reference;
  LeaScope scope;
};

struct LeaCase {
  std::string id;
  std::string status;  // "received" | "approved" | "rejected" | "disclosed"
  std::string authority, country, legal_basis, reference;
  LeaScope requested;
  std::optional<int64_t> approved_from_ms, approved_to_ms;  // set by an approval
  bool narrowed = false;      // the approval narrowed the requested time range
  std::string subject_index;  // audit pseudonym of requested.subject
  int64_t opened_at_ms = 0;
  std::string opened_by;
  struct Decision {
    bool approved = false;
    std::string reason, actor;
    int64_t at_ms = 0;
  };
  std::optional<Decision> decision;
  struct Disclosure {
    uint64_t records = 0;
    uint64_t accounts = 0;
    std::string sha256;  // of the disclosed bundle file
    std::string actor;
    int64_t at_ms = 0;
  };
  std::optional<Disclosure> disclosure;
  struct Notice {
    bool notified = false;  // false: deferred until `until_ms`
    std::optional<int64_t> until_ms;
    std::string reason, actor;
    int64_t at_ms = 0;
  };
  std::optional<Notice> notice;
};

// Returns a new case in state "received". kInvalidArgument naming the field: empty or over
// 200 bytes or control characters (authority, legal basis, reference), a country that is not
// two upper-case letters (ISO 3166-1 alpha-2), an empty subject, from after to.
StatusOr<LeaCase> OpenLeaCase(const std::string& id, const LeaRequestInput& input,
                              const std::string& subject_index, const std::string& actor,
                              int64_t now_ms);

struct DecisionInput {
  bool approve = false;
  std::string reason;
  // An approval may narrow the time range; both must lie inside the requested one.
  std::optional<int64_t> from_ms, to_ms;
};
Status Decide(LeaCase& c, const DecisionInput& input, const std::string& actor, int64_t now_ms);

// Records a disclosure (only once, only when approved).
Status RecordDisclosure(LeaCase& c, uint64_t records, uint64_t accounts, const std::string& sha256,
                        const std::string& actor, int64_t now_ms);

struct NoticeInput {
  bool notified = false;            // the customer was told
  std::optional<int64_t> until_ms;  // otherwise: deferred until then (required, after now)
  std::string reason;               // required when deferring
};
// Records the customer notice: only after a decision; a deferral may be followed by a later
// deferral or by the notice, a given notice is final.
Status Notify(LeaCase& c, const NoticeInput& input, const std::string& actor, int64_t now_ms);

// Returns whether a record received at `received_at_ms` lies inside the approved scope.
bool InApprovedScope(const LeaCase& c, int64_t received_at_ms);

// Returns the report outcome: "pending", "approved", "rejected", "disclosed",
// "partially_disclosed" (disclosed under a narrowed scope).
std::string Outcome(const LeaCase& c);

// The stored form (the case store seals it) and back. kDataLoss for a malformed document.
nlohmann::json LeaCaseToJson(const LeaCase& c);
StatusOr<LeaCase> LeaCaseFromJson(const nlohmann::json& j);

// Returns the case as `lea list` / `lea show` print it: everything but the subject's address
// (its index stands in).
nlohmann::json LeaCaseView(const LeaCase& c);

// Returns the details of the audit entry for `transition` ("open", "decide", "disclose",
// "notify"): the request's id, authority, country, legal basis, reference and subject index,
// plus what the transition did. Never the address.
nlohmann::json LeaAuditDetails(const LeaCase& c, const std::string& transition);

}  // namespace mailrelay::compliance
