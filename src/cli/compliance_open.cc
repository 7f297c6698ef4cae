// cli/compliance_open.cc — see compliance_open.h.
#include "cli/compliance_open.h"

#include <unistd.h>

#include <iostream>

#include "cli/command.h"
#include "common/policy_set.h"
#include "server/vault_open.h"

namespace mailrelay::cli {

StatusOr<ComplianceHandles> OpenCompliance(const Config& config) {
  MR_ASSIGN_OR_RETURN(PolicySet policy, LoadPolicySet(config.policy_dir));
  ComplianceHandles h;
  MR_ASSIGN_OR_RETURN(h.vault, server::OpenVaultForService(config));
  MR_ASSIGN_OR_RETURN(h.audit, auditlog::OpenLocalAuditLog(
                                   {config.data_dir, config.master_key_file, config.quickstart}));
  MR_ASSIGN_OR_RETURN(h.service, compliance::ComplianceService::Create(
                                     *h.vault, *h.audit, Article15Information(policy)));
  return h;
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
