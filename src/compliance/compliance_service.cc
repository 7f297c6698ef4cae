// compliance/compliance_service.cc — see compliance_service.h and docs/compliance.md.
#include "compliance/compliance_service.h"

#include <sodium.h>

#include <set>

#include "auditlog/audit_log.h"
#include "auditlog/base64.h"
#include "auditlog/entry.h"
#include "common/ids.h"
#include "common/time_format.h"
#include "compliance/erasure_receipt.h"
#include "compliance/export_bundle.h"
#include "compliance/subject_records.h"
#include "keyring/address.h"
#include "keyring/signing_key.h"
#include "vault/lea_case_store.h"
#include "vault/vault.h"

namespace mailrelay::compliance {
namespace {

constexpr char kDisclosureFormat[] = "mailrelay.lea-disclosure.v1";
constexpr size_t kMaxReasonBytes = 500;
constexpr size_t kReportPage = 10000;

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  char hex[2 * crypto_hash_sha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

// Returns the normalised address, or why `address` cannot name a data subject.
StatusOr<std::string> SubjectAddress(const std::string& address) {
  std::string norm = keyring::NormalizeAddress(address);
  const size_t at = norm.rfind('@');
  if (norm.empty() || at == std::string::npos || at == 0 || at + 1 == norm.size()) {
    return Status::InvalidArgument("subject must be an e-mail address (local@domain)");
  }
  return norm;
}

Status CheckReason(const std::string& reason) {
  if (reason.empty()) return Status::InvalidArgument("reason is empty");
  if (reason.size() > kMaxReasonBytes) {
    return Status::InvalidArgument("reason is longer than " + std::to_string(kMaxReasonBytes) +
                                   " bytes");
  }
  for (unsigned char c : reason) {
    if (c < 0x20 || c == 0x7f) return Status::InvalidArgument("reason holds control characters");
  }
  return Status::Ok();
}

StatusOr<LeaCase> ParseCase(const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::DataLoss("stored law-enforcement request is not JSON");
  return LeaCaseFromJson(j);
}

std::optional<std::string> DecodeKey(const std::string& text) {
  if (text.size() == 2 * crypto_box_PUBLICKEYBYTES) {
    std::string out(crypto_box_PUBLICKEYBYTES, '\0');
    size_t len = 0;
    if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                       text.size(), nullptr, &len, nullptr) == 0 &&
        len == out.size()) {
      return out;
    }
  }
  std::optional<std::string> b64 = auditlog::Base64Decode(text);
  if (b64 && b64->size() == crypto_box_PUBLICKEYBYTES) return b64;
  return std::nullopt;
}

}  // namespace

StatusOr<std::string> SealTo(const std::string& plaintext, const std::string& recipient) {
  std::optional<std::string> key = DecodeKey(recipient);
  if (!key) {
    return Status::InvalidArgument(
        "seal-to key must be an X25519 public key: 64 hex digits or base64 of 32 bytes");
  }
  std::string sealed(plaintext.size() + crypto_box_SEALBYTES, '\0');
  if (crypto_box_seal(reinterpret_cast<unsigned char*>(sealed.data()),
                      reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                      reinterpret_cast<const unsigned char*>(key->data())) != 0) {
    return Status::Internal("crypto_box_seal failed");
  }
  return sealed;
}

ComplianceService::ComplianceService(vault::Vault& vault, auditlog::AuditLog& audit,
                                     nlohmann::json information,
                                     std::unique_ptr<keyring::SigningKey> key)
    : vault_(vault), audit_(audit), information_(std::move(information)), key_(std::move(key)) {
  std::copy(key_->PublicKey().begin(), key_->PublicKey().end(), public_key_.begin());
}

ComplianceService::~ComplianceService() = default;

StatusOr<std::unique_ptr<ComplianceService>> ComplianceService::Create(vault::Vault& vault,
                                                                       auditlog::AuditLog& audit,
                                                                       nlohmann::json information) {
  MR_ASSIGN_OR_RETURN(std::unique_ptr<keyring::SigningKey> key, vault.DocumentSigningKey());
  return std::unique_ptr<ComplianceService>(
      new ComplianceService(vault, audit, std::move(information), std::move(key)));
}

nlohmann::json ComplianceService::PublicKeysJson() const {
  return {{"documents",
           {{"algorithm", "Ed25519"},
            {"key_id", KeyId(public_key_)},
            {"public_key",
             auditlog::Base64Encode(std::string_view(
                 reinterpret_cast<const char*>(public_key_.data()), public_key_.size()))}}},
          {"audit_log", {{"origin", audit_.origin()}, {"vkey", audit_.verifier().Vkey()}}}};
}

StatusOr<SignedResult> ComplianceService::Sign(nlohmann::json document, uint64_t records) {
  SignedResult out;
  std::string canonical;
  MR_ASSIGN_OR_RETURN(out.envelope, SignDocument(std::move(document), *key_, &canonical));
  out.document_sha256 = Sha256Hex(canonical);
  out.records = records;
  return out;
}

StatusOr<uint64_t> ComplianceService::Audit(const std::string& actor, const std::string& action,
                                            nlohmann::json details) {
  MR_ASSIGN_OR_RETURN(auditlog::AppendResult r, audit_.Append({actor, action, std::move(details)}));
  return r.index;
}

StatusOr<SignedResult> ComplianceService::Export(const std::string& address,
                                                 const std::string& actor, const std::string& via) {
  MR_ASSIGN_OR_RETURN(std::string norm, SubjectAddress(address));
  ExportInput in;
  in.normalized_address = norm;
  MR_ASSIGN_OR_RETURN(in.subject_index, vault_.AuditPseudonym(norm));
  in.generated_at_ms = WallNowMs();
  in.regions = vault_.regions();
  MR_ASSIGN_OR_RETURN(in.records, vault_.FindBySubject(norm));
  in.information = information_;
  nlohmann::json bundle = BuildExportBundle(in);
  nlohmann::json by_region = bundle["counts"]["by_region"];
  MR_ASSIGN_OR_RETURN(SignedResult out, Sign(std::move(bundle), in.records.size()));
  // Audited before anything leaves this process; no entry, no export.
  MR_ASSIGN_OR_RETURN(out.audit_index, Audit(actor, "subject.export",
                                             {{"subject_index", in.subject_index},
                                              {"records", in.records.size()},
                                              {"by_region", by_region},
                                              {"document_sha256", out.document_sha256},
                                              {"via", via}}));
  return out;
}

StatusOr<SignedResult> ComplianceService::Erase(const std::string& address,
                                                const std::string& reason, const std::string& actor,
                                                const std::string& via, bool dry_run) {
  MR_ASSIGN_OR_RETURN(std::string norm, SubjectAddress(address));
  MR_RETURN_IF_ERROR(CheckReason(reason));
  MR_ASSIGN_OR_RETURN(std::string index, vault_.AuditPseudonym(norm));
  if (dry_run) {
    MR_ASSIGN_OR_RETURN(vault::Vault::Erasure found, vault_.EraseSubject(norm, true));
    SignedResult out;
    nlohmann::json by_region = nlohmann::json::object();
    for (const auto& [region, n] : found.records_by_region) {
      by_region[region] = n;
      out.records += n;
    }
    MR_ASSIGN_OR_RETURN(out.audit_index, Audit(actor, "subject.erase.dry_run",
                                               {{"subject_index", index},
                                                {"records", out.records},
                                                {"by_region", by_region},
                                                {"reason", reason},
                                                {"via", via}}));
    out.envelope = {{"dry_run", true},
                    {"subject_index", index},
                    {"records_found", {{"total", out.records}, {"by_region", by_region}}}};
    return out;
  }
  const std::string receipt_id = NewSortableId();
  // The intent first: if the process dies mid-erasure, the log still shows it was started.
  MR_RETURN_IF_ERROR(
      Audit(
          actor, "subject.erase.begin",
          {{"subject_index", index}, {"receipt_id", receipt_id}, {"reason", reason}, {"via", via}})
          .status());
  MR_ASSIGN_OR_RETURN(vault::Vault::Erasure erased, vault_.EraseSubject(norm, false));
  ErasureFacts facts;
  facts.receipt_id = receipt_id;
  facts.subject_index = index;
  facts.erased_at_ms = WallNowMs();
  facts.actor = actor;
  facts.reason = reason;
  facts.records_by_region = erased.records_by_region;
  facts.space_freed = erased.space_freed;
  uint64_t total = 0;
  nlohmann::json by_region = nlohmann::json::object();
  for (const auto& [region, n] : erased.records_by_region) {
    by_region[region] = n;
    total += n;
  }
  MR_ASSIGN_OR_RETURN(auditlog::AppendResult entry,
                      audit_.Append({actor,
                                     "subject.erase",
                                     {{"subject_index", index},
                                      {"receipt_id", receipt_id},
                                      {"records", total},
                                      {"by_region", by_region},
                                      {"space_freed", erased.space_freed},
                                      {"reason", reason},
                                      {"via", via}}}));
  facts.audit_index = entry.index;
  facts.audit_tree_size = entry.tree_size;
  facts.audit_log_origin = audit_.origin();
  MR_ASSIGN_OR_RETURN(SignedResult out, Sign(BuildErasureReceipt(facts), total));
  out.audit_index = entry.index;
  return out;
}

StatusOr<nlohmann::json> ComplianceService::LeaOpen(const LeaRequestInput& input,
                                                    const std::string& actor) {
  MR_ASSIGN_OR_RETURN(vault::LeaCaseStore * cases, vault_.LeaCases());
  LeaRequestInput in = input;
  MR_ASSIGN_OR_RETURN(in.scope.subject, SubjectAddress(input.scope.subject));
  MR_ASSIGN_OR_RETURN(std::string index, vault_.AuditPseudonym(in.scope.subject));
  const int64_t now = WallNowMs();
  MR_ASSIGN_OR_RETURN(LeaCase c, OpenLeaCase("lea_" + NewSortableId(static_cast<uint64_t>(now)), in,
                                             index, actor, now));
  MR_RETURN_IF_ERROR(cases->Insert(c.id, now, LeaCaseToJson(c).dump(), [&] {
    return Audit(actor, "lea.open", LeaAuditDetails(c, "open")).status();
  }));
  return LeaCaseView(c);
}

StatusOr<nlohmann::json> ComplianceService::LeaTransition(
    const std::string& id, const std::string& actor, const std::string& transition,
    const std::function<Status(LeaCase&, int64_t now_ms)>& change) {
  MR_ASSIGN_OR_RETURN(vault::LeaCaseStore * cases, vault_.LeaCases());
  nlohmann::json view;
  MR_RETURN_IF_ERROR(cases->Update(id, [&](const std::string& body) -> StatusOr<std::string> {
    MR_ASSIGN_OR_RETURN(LeaCase c, ParseCase(body));
    MR_RETURN_IF_ERROR(change(c, WallNowMs()));
    MR_RETURN_IF_ERROR(Audit(actor, "lea." + transition, LeaAuditDetails(c, transition)).status());
    view = LeaCaseView(c);
    return LeaCaseToJson(c).dump();
  }));
  return view;
}

StatusOr<nlohmann::json> ComplianceService::LeaDecide(const std::string& id,
                                                      const DecisionInput& input,
                                                      const std::string& actor) {
  return LeaTransition(id, actor, "decide",
                       [&](LeaCase& c, int64_t now) { return Decide(c, input, actor, now); });
}

StatusOr<SignedResult> ComplianceService::LeaDisclose(const std::string& id,
                                                      const std::string& actor) {
  MR_ASSIGN_OR_RETURN(vault::LeaCaseStore * cases, vault_.LeaCases());
  SignedResult out;
  MR_RETURN_IF_ERROR(cases->Update(id, [&](const std::string& body) -> StatusOr<std::string> {
    MR_ASSIGN_OR_RETURN(LeaCase c, ParseCase(body));
    const int64_t now = WallNowMs();
    {
      LeaCase probe = c;  // refuse before reading anything
      MR_RETURN_IF_ERROR(RecordDisclosure(probe, 0, 0, "", actor, now));
    }
    MR_ASSIGN_OR_RETURN(std::vector<vault::MetadataRecord> found,
                        vault_.FindBySubject(c.requested.subject));
    std::vector<vault::MetadataRecord> records;
    std::set<std::string> accounts;
    nlohmann::json items = nlohmann::json::array();
    for (auto& r : found) {
      if (!InApprovedScope(c, r.received_at_ms)) continue;
      accounts.insert(r.account);
      items.push_back(SubjectRecordJson(r, c.requested.subject));
      records.push_back(std::move(r));
    }
    auto time_or_null = [](std::optional<int64_t> ms) {
      return ms ? nlohmann::json(FormatRfc3339(*ms)) : nlohmann::json(nullptr);
    };
    nlohmann::json document = {
        {"format", kDisclosureFormat},
        {"request",
         {{"id", c.id},
          {"authority", c.authority},
          {"country", c.country},
          {"legal_basis", c.legal_basis},
          {"reference", c.reference}}},
        {"scope",
         {{"subject", c.requested.subject},
          {"from", time_or_null(c.approved_from_ms)},
          {"to", time_or_null(c.approved_to_ms)},
          {"narrowed", c.narrowed}}},
        {"generated_at", FormatRfc3339(now)},
        {"records", std::move(items)},
        {"counts", SubjectRecordCounts(records, c.requested.subject, vault_.regions())}};
    MR_ASSIGN_OR_RETURN(out, Sign(std::move(document), records.size()));
    MR_RETURN_IF_ERROR(
        RecordDisclosure(c, records.size(), accounts.size(), out.document_sha256, actor, now));
    MR_ASSIGN_OR_RETURN(out.audit_index,
                        Audit(actor, "lea.disclose", LeaAuditDetails(c, "disclose")));
    return LeaCaseToJson(c).dump();
  }));
  return out;
}

StatusOr<nlohmann::json> ComplianceService::LeaNotify(const std::string& id,
                                                      const NoticeInput& input,
                                                      const std::string& actor) {
  return LeaTransition(id, actor, "notify",
                       [&](LeaCase& c, int64_t now) { return Notify(c, input, actor, now); });
}

StatusOr<nlohmann::json> ComplianceService::LeaList() {
  MR_ASSIGN_OR_RETURN(vault::LeaCaseStore * cases, vault_.LeaCases());
  MR_ASSIGN_OR_RETURN(std::vector<std::string> bodies, cases->List());
  nlohmann::json out = {{"requests", nlohmann::json::array()}};
  for (const std::string& body : bodies) {
    MR_ASSIGN_OR_RETURN(LeaCase c, ParseCase(body));
    out["requests"].push_back(LeaCaseView(c));
  }
  return out;
}

StatusOr<nlohmann::json> ComplianceService::LeaShow(const std::string& id) {
  MR_ASSIGN_OR_RETURN(vault::LeaCaseStore * cases, vault_.LeaCases());
  MR_ASSIGN_OR_RETURN(std::string body, cases->Get(id));
  MR_ASSIGN_OR_RETURN(LeaCase c, ParseCase(body));
  return LeaCaseView(c);
}

StatusOr<nlohmann::json> ComplianceService::Report(const ReportPeriod& period) {
  if (period.from_ms >= period.to_ms) {
    return Status::InvalidArgument("report period: from must be before to");
  }
  MR_ASSIGN_OR_RETURN(auditlog::SignedHead head, audit_.Latest());
  std::vector<auditlog::Entry> entries;
  entries.reserve(head.size);
  for (uint64_t from = 0; from < head.size;) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(kReportPage, head.size - from));
    MR_ASSIGN_OR_RETURN(std::vector<std::string> page, audit_.Entries(from, want));
    if (page.empty()) return Status::DataLoss("audit log ends before its signed size");
    for (const std::string& stored : page) {
      if (entries.size() == head.size) break;
      MR_ASSIGN_OR_RETURN(auditlog::Entry e, auditlog::DecodeEntry(stored));
      entries.push_back(std::move(e));
    }
    from += page.size();
  }
  return BuildTransparencyReport(entries, period, audit_.origin(), head.size);
}

}  // namespace mailrelay::compliance
