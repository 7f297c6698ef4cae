// cli/cmd_export.cc — `mailrelay export` and `mailrelay erase`: a data subject's records out
// (GDPR Art. 15/20) or gone (Art. 17), each signed and in the audit log (docs/compliance.md).

#include <iostream>
#include <optional>

#include "auditlog/base64.h"
#include "cli/command.h"
#include "cli/compliance_open.h"
#include "cli/output_file.h"

namespace mailrelay::cli {
namespace {

constexpr char kExportHelp[] =
    "usage: mailrelay export --subject ADDR [--out FILE] [--seal-to PUBKEY] [--actor NAME]\n"
    "                        [--config FILE]\n"
    "\n"
    "Every record in every region where ADDR (normalised as the blind index is) is sender or\n"
    "recipient, decrypted, with the Art. 15 information from policy/, as one signed document:\n"
    "{\"document\": <schemas/export.schema.json>, \"signature\": {Ed25519 over the canonical\n"
    "document}}. Without --out it goes to stdout. --seal-to seals it to the requester's X25519\n"
    "public key (64 hex digits or base64; crypto_box_seal): FILE then holds the sealed bytes,\n"
    "stdout their base64. FILE is created new with mode 0600, never overwritten. The export is a\n"
    "subject.export audit entry (the subject only as its index) before anything is written.\n";

constexpr char kEraseHelp[] =
    "usage: mailrelay erase --subject ADDR --reason TEXT --actor NAME [--dry-run] [--out FILE]\n"
    "                       [--config FILE]\n"
    "\n"
    "Destroys every record in every region where ADDR is sender or recipient: deleted, their\n"
    "cells zeroed, free pages returned, the WAL truncated (docs/compliance.md \"Erasure\").\n"
    "Safe to repeat and to run while `serve` writes. Prints a signed receipt naming the subject\n"
    "only by its index, with the counts per region and the audit entry (schemas/\n"
    "erasure-receipt.schema.json); --out also writes it to FILE. --dry-run only counts.\n"
    "The reason goes into the audit log: it must not hold an address or IP.\n";

void Phase(const std::string& text) {
  if (StderrIsTty()) std::cerr << "  " << text << "\n" << std::flush;
}

}  // namespace

int Export(const Args& args) {
  if (args.Flag("help")) return std::cout << kExportHelp, 0;
  if (Status s = args.Check({"config", "subject", "out", "seal-to", "actor"}, {}, 0); !s.ok()) {
    std::cerr << "mailrelay export: " << s.message() << "\n" << kExportHelp;
    return kExitUsage;
  }
  if (Status s = args.Require({"subject"}); !s.ok()) {
    std::cerr << "mailrelay export: " << s.message() << "\n" << kExportHelp;
    return kExitUsage;
  }
  int exit_code = 0;
  auto session = OpenComplianceSession(args, "export", true, &exit_code);
  if (!session) return exit_code;
  std::optional<OutputFile>& out = session->out;
  Phase("searching " + std::to_string(session->handles.vault->regions().size()) +
        " regions by blind index, decrypting, signing");
  auto result = session->handles.service->Export(*args.Option("subject"), AuditActor(args), "cli");
  if (!result.ok()) return ReportComplianceError("export", result.status());
  Phase(std::to_string(result->records) + " records; audit entry " +
        std::to_string(result->audit_index));
  std::string bytes = result->envelope.dump(2) + "\n";
  const bool sealed = args.Option("seal-to").has_value();
  if (sealed) {
    auto s = compliance::SealTo(bytes, *args.Option("seal-to"));
    if (!s.ok()) return ReportComplianceError("export", s.status());
    bytes = out ? *s : auditlog::Base64Encode(*s) + "\n";
  }
  if (!out) {
    std::cout << bytes << std::flush;
    return 0;
  }
  if (Status s = out->Commit(bytes); !s.ok()) return ReportComplianceError("export", s);
  std::cout << nlohmann::json{{"out", out->path()},
                              {"records", result->records},
                              {"sealed", sealed},
                              {"document_sha256", result->document_sha256},
                              {"audit_index", result->audit_index}}
                   .dump(2)
            << "\n";
  return 0;
}

int Erase(const Args& args) {
  if (args.Flag("help")) return std::cout << kEraseHelp, 0;
  if (Status s = args.Check({"config", "subject", "reason", "actor", "out"}, {"dry-run"}, 0);
      !s.ok()) {
    std::cerr << "mailrelay erase: " << s.message() << "\n" << kEraseHelp;
    return kExitUsage;
  }
  if (Status s = args.Require({"subject", "reason", "actor"}); !s.ok()) {
    std::cerr << "mailrelay erase: " << s.message() << "\n" << kEraseHelp;
    return kExitUsage;
  }
  int exit_code = 0;
  auto session = OpenComplianceSession(args, "erase", true, &exit_code);
  if (!session) return exit_code;
  std::optional<OutputFile>& out = session->out;
  const bool dry_run = args.Flag("dry-run");
  Phase(dry_run ? "counting" : "erasing in every region, then truncating the WAL");
  auto result = session->handles.service->Erase(*args.Option("subject"), *args.Option("reason"),
                                                AuditActor(args), "cli", dry_run);
  if (!result.ok()) return ReportComplianceError("erase", result.status());
  const std::string bytes = result->envelope.dump(2) + "\n";
  if (out) {
    if (Status s = out->Commit(bytes); !s.ok()) {
      std::cerr << "mailrelay erase: the erasure is done (audit entry " << result->audit_index
                << ") but the receipt could not be written; it follows on stdout\n";
      std::cout << bytes;
      return ReportComplianceError("erase", s);
    }
  }
  std::cout << bytes;
  return 0;
}

}  // namespace mailrelay::cli
