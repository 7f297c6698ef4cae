// cli/compliance_open.cc — see compliance_open.h.
#include "cli/compliance_open.h"

#include <unistd.h>

#include <iostream>

#include "cli/command.h"
#include "common/config_retention.h"
#include "common/policy_set.h"
#include "server/vault_open.h"

namespace mailrelay::cli {

StatusOr<ComplianceHandles> OpenCompliance(const Config& config) {
  MR_ASSIGN_OR_RETURN(PolicySet policy, LoadPolicyInForce(config));
  ComplianceHandles h;
  MR_ASSIGN_OR_RETURN(h.vault, server::OpenVaultForService(config, policy));
  MR_ASSIGN_OR_RETURN(h.audit, auditlog::OpenLocalAuditLog(
                                   {config.data_dir, config.master_key_file, config.quickstart}));
  MR_ASSIGN_OR_RETURN(h.service, compliance::ComplianceService::Create(
                                     *h.vault, *h.audit, Article15Information(policy)));
  return h;
}

std::optional<ComplianceSession> OpenComplianceSession(const Args& args, const std::string& what,
                                                       bool create_out, int* exit_code) {
  auto config = LoadConfigOrReport(args, exit_code);
  if (!config.ok()) return std::nullopt;
  ComplianceSession session;
  if (auto path = args.Option("out"); path && create_out) {
    auto f = OutputFile::Create(*path);
    if (!f.ok()) {
      *exit_code = ReportComplianceError(what, f.status());
      return std::nullopt;
    }
    session.out.emplace(std::move(*f));
  }
  if (StderrIsTty()) std::cerr << "  opening the vault and the audit log\n";
  auto h = OpenCompliance(*config);
  if (!h.ok()) {
    *exit_code = ReportComplianceError(what, h.status());
    return std::nullopt;
  }
  session.handles = std::move(*h);
  return session;
}

int ReportComplianceError(const std::string& what, const Status& status) {
  std::cerr << "mailrelay " << what << ": " << status.message() << "\n";
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      return kExitUsage;
    case StatusCode::kFailedPrecondition:
      return kExitDataErr;
    case StatusCode::kNotFound:
      return kExitNoInput;
    case StatusCode::kAlreadyExists:
      return kExitCantCreate;
    default:
      return server::ExitCodeForVaultError(status);
  }
}

bool StderrIsTty() { return ::isatty(STDERR_FILENO) == 1; }

}  // namespace mailrelay::cli
