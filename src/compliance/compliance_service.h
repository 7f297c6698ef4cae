// compliance/compliance_service.h — the compliance actions behind `mailrelay export|erase|lea|
// audit report` and the /v1/subjects, /v1/lea-requests and /v1/reports API: each reads or
// changes the vault, signs its document, and is an audit entry before anything is disclosed.
//
//   ComplianceService desk(vault, audit_log, article15_information);
//   MR_ASSIGN_OR_RETURN(ExportResult r, desk.Export("alice@example.com", "cli:ann", "cli"));
//   write(r.envelope.dump(2));
//
// Thread-safe (the vault and the audit log are). docs/compliance.md describes every document.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "compliance/lea_case.h"
#include "compliance/signed_document.h"
#include "compliance/transparency_report.h"

namespace mailrelay::vault {
class Vault;
}
namespace mailrelay::auditlog {
class AuditLog;
}
namespace mailrelay::keyring {
class SigningKey;
}

namespace mailrelay::compliance {

struct SignedResult {
  nlohmann::json envelope;      // {"document", "signature"}
  std::string document_sha256;  // hex SHA-256 of the document's canonical bytes
  uint64_t records = 0;
  uint64_t audit_index = 0;  // the entry that recorded it
};

// Returns crypto_box_seal of `plaintext` to the X25519 public key `recipient`, given as 64 hex
// digits or base64 of 32 bytes. kInvalidArgument for a malformed key.
StatusOr<std::string> SealTo(const std::string& plaintext, const std::string& recipient);

class ComplianceService {
 public:
  // `information` is the Art. 15 information every export carries (policy/, see
  // common/policy_set.h). Loads (creating if missing) the document-signing key.
  static StatusOr<std::unique_ptr<ComplianceService>> Create(vault::Vault& vault,
                                                             auditlog::AuditLog& audit,
                                                             nlohmann::json information);
  ~ComplianceService();

  // The document-signing public key.
  const PublicKey& document_key() const { return public_key_; }
  // What verifiers pin (`mailrelay keys public`, GET /v1/keys): {"documents": {"algorithm",
  // "key_id", "public_key"}, "audit_log": {"origin", "vkey"}}.
  nlohmann::json PublicKeysJson() const;

  // Art. 15/20 export of every record where `address` is sender or recipient. `via` is "cli"
  // or "api". The subject.export entry is durable before this returns.
  StatusOr<SignedResult> Export(const std::string& address, const std::string& actor,
                                const std::string& via);

  // Art. 17 erasure. Returns the signed receipt; with `dry_run`, an unsigned count of what
  // would be erased ({"dry_run": true, …}). Entries: subject.erase.begin before, subject.erase
  // after (its index is in the receipt); a dry run is subject.erase.dry_run.
  StatusOr<SignedResult> Erase(const std::string& address, const std::string& reason,
                               const std::string& actor, const std::string& via, bool dry_run);

  // Law-enforcement requests (lea_case.h). Each returns the case view after the transition.
  StatusOr<nlohmann::json> LeaOpen(const LeaRequestInput& input, const std::string& actor);
  StatusOr<nlohmann::json> LeaDecide(const std::string& id, const DecisionInput& input,
                                     const std::string& actor);
  // Discloses the approved scope's records as a signed "mailrelay.lea-disclosure.v1" document.
  StatusOr<SignedResult> LeaDisclose(const std::string& id, const std::string& actor);
  StatusOr<nlohmann::json> LeaNotify(const std::string& id, const NoticeInput& input,
                                     const std::string& actor);
  StatusOr<nlohmann::json> LeaList();
  StatusOr<nlohmann::json> LeaShow(const std::string& id);

  // The transparency report over the audit log's latest signed size.
  StatusOr<nlohmann::json> Report(const ReportPeriod& period);

 private:
  ComplianceService(vault::Vault& vault, auditlog::AuditLog& audit, nlohmann::json information,
                    std::unique_ptr<keyring::SigningKey> key);
  StatusOr<SignedResult> Sign(nlohmann::json document, uint64_t records);
  StatusOr<uint64_t> Audit(const std::string& actor, const std::string& action,
                           nlohmann::json details);
  // Moves case `id` with `change` and appends its "lea.<transition>" entry, in one write
  // transaction on the case store; returns the case's view.
  StatusOr<nlohmann::json> LeaTransition(
      const std::string& id, const std::string& actor, const std::string& transition,
      const std::function<Status(LeaCase&, int64_t now_ms)>& change);

  vault::Vault& vault_;
  auditlog::AuditLog& audit_;
  const nlohmann::json information_;
  std::unique_ptr<keyring::SigningKey> key_;
  PublicKey public_key_{};
};

}  // namespace mailrelay::compliance
