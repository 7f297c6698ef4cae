// cli/compliance_open.h — what the compliance commands (export, erase, lea, audit report) open:
// the vault, the audit log and the compliance service over them, as the config says; and how
// their errors become exit codes.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "auditlog/audit_log.h"
#include "cli/args.h"
#include "cli/output_file.h"
#include "common/config.h"
#include "common/status.h"
#include "compliance/compliance_service.h"
#include "vault/vault.h"

namespace mailrelay::cli {

struct ComplianceHandles {
  std::unique_ptr<vault::Vault> vault;
  std::unique_ptr<auditlog::AuditLog> audit;
  std::unique_ptr<compliance::ComplianceService> service;
};

// Opens everything; the Art. 15 information comes from the config's policy files (which are
// validated, as at start-up).
StatusOr<ComplianceHandles> OpenCompliance(const Config& config);

struct ComplianceSession {
  std::optional<OutputFile> out;  // --out, created before anything is read
  ComplianceHandles handles;
};

// Loads the config, creates --out when `create_out` and it is given (so a bad path fails before
// anything personal is read), and opens the handles. On failure prints why, sets *exit_code
// and returns nullopt.
std::optional<ComplianceSession> OpenComplianceSession(const Args& args, const std::string& what,
                                                       bool create_out, int* exit_code);

// Prints "mailrelay <what>: <message>" and returns the exit code for an operation's error:
// 64 bad input, 65 a refused transition, 66 no such request, 73 output file exists,
// otherwise the vault's codes (server::ExitCodeForVaultError).
int ReportComplianceError(const std::string& what, const Status& status);

// Whether stderr is a terminal (progress and tables go there only then).
bool StderrIsTty();

}  // namespace mailrelay::cli
