// cli/cmd_lea.cc — `mailrelay lea …` (the law-enforcement request workflow) and
// `mailrelay audit report` (the transparency report from the audit log). docs/compliance.md.

#include <iostream>
#include <optional>

#include "auditlog/base64.h"
#include "cli/command.h"
#include "cli/compliance_open.h"
#include "cli/output_file.h"
#include "common/time_format.h"

namespace mailrelay::cli {
namespace {

constexpr char kLeaHelp[] =
    "usage: mailrelay lea open --authority A --country CC --legal-basis B --reference R\n"
    "                          --scope-subject ADDR [--scope-from DATE] [--scope-to DATE] --actor "
    "NAME\n"
    "       mailrelay lea decide ID --approve|--reject --reason TEXT --actor NAME\n"
    "                          [--scope-from DATE] [--scope-to DATE]   (an approval may narrow)\n"
    "       mailrelay lea disclose ID --out FILE --actor NAME [--seal-to PUBKEY]\n"
    "       mailrelay lea notify ID --notified | --defer-until DATE --reason TEXT  --actor NAME\n"
    "       mailrelay lea list | show ID\n"
    "\n"
    "Law-enforcement access requests: received → approved | rejected; approved → disclosed;\n"
    "a customer notice (given, or deferred until a date under a gag order) once decided.\n"
    "Refused transitions change nothing and exit 65. Every transition is an audit entry with\n"
    "the authority, country, legal basis and reference; the subject only as its index.\n"
    "DATE: 2026-11-28, 2026-11-28T10:00:00Z or unix ms. All options also take --[opt]=VALUE.\n";

constexpr char kReportHelp[] =
    "usage: mailrelay audit report --from DATE --to DATE [--config FILE]\n"
    "\n"
    "The transparency report: law-enforcement requests opened in [from, to) by country, legal\n"
    "basis and outcome, records disclosed, accounts and subjects affected — computed from the\n"
    "audit log alone (audit/verify/report.py recomputes it from an export). JSON on stdout; on\n"
    "a terminal also a table on stderr.\n";

int Usage(const std::string& why) {
  std::cerr << "mailrelay lea: " << why << "\n" << kLeaHelp;
  return kExitUsage;
}

// Parses an optional DATE option into *out; returns false (after printing) if malformed.
bool TimeOption(const Args& args, const char* name, std::optional<int64_t>* out) {
  auto v = args.Option(name);
  if (!v) return true;
  *out = ParseTimeMs(*v);
  if (!*out) {
    std::cerr << "mailrelay lea: --" << name << " \"" << *v
              << "\" is not a date (2026-11-28, 2026-11-28T10:00:00Z or unix ms)\n";
    return false;
  }
  return true;
}

void Print(const nlohmann::json& j) { std::cout << j.dump(2) << "\n"; }

}  // namespace

int Lea(const Args& args) {
  if (args.Flag("help") || args.positional().empty()) {
    std::cout << kLeaHelp;
    return args.Flag("help") ? 0 : kExitUsage;
  }
  const std::string sub = args.positional()[0];
  Status check;
  if (sub == "open") {
    check = args.Check({"config", "authority", "country", "legal-basis", "reference",
                        "scope-subject", "scope-from", "scope-to", "actor"},
                       {}, 1);
    if (check.ok()) {
      check = args.Require(
          {"authority", "country", "legal-basis", "reference", "scope-subject", "actor"});
    }
  } else if (sub == "decide") {
    check = args.Check({"config", "reason", "actor", "scope-from", "scope-to"},
                       {"approve", "reject"}, 2);
    if (check.ok()) check = args.Require({"reason", "actor"});
    if (check.ok() && args.Flag("approve") == args.Flag("reject")) {
      check = Status::InvalidArgument("give exactly one of --approve and --reject");
    }
  } else if (sub == "disclose") {
    check = args.Check({"config", "out", "actor", "seal-to"}, {}, 2);
    if (check.ok()) check = args.Require({"out", "actor"});
  } else if (sub == "notify") {
    check = args.Check({"config", "defer-until", "reason", "actor"}, {"notified"}, 2);
    if (check.ok()) check = args.Require({"actor"});
    if (check.ok() && args.Flag("notified") == args.Option("defer-until").has_value()) {
      check = Status::InvalidArgument("give exactly one of --notified and --defer-until DATE");
    }
    if (check.ok() && args.Option("defer-until")) check = args.Require({"reason"});
  } else if (sub == "list") {
    check = args.Check({"config"}, {}, 1);
  } else if (sub == "show") {
    check = args.Check({"config"}, {}, 2);
  } else {
    return Usage("unknown subcommand \"" + sub + "\"");
  }
  if (!check.ok()) return Usage(check.message());
  std::optional<int64_t> from, to, until;
  if (!TimeOption(args, "scope-from", &from) || !TimeOption(args, "scope-to", &to) ||
      !TimeOption(args, "defer-until", &until)) {
    return kExitUsage;
  }
  int exit_code = 0;
  auto session = OpenComplianceSession(args, "lea " + sub, sub == "disclose", &exit_code);
  if (!session) return exit_code;
  std::optional<OutputFile>& out = session->out;
  compliance::ComplianceService& desk = *session->handles.service;
  const std::string actor = AuditActor(args);
  const std::string id = args.positional().size() > 1 ? args.positional()[1] : "";
  StatusOr<nlohmann::json> result = nlohmann::json();
  if (sub == "open") {
    compliance::LeaRequestInput in;
    in.authority = *args.Option("authority");
    in.country = *args.Option("country");
    in.legal_basis = *args.Option("legal-basis");
    in.reference = *args.Option("reference");
    in.scope = {*args.Option("scope-subject"), from, to};
    result = desk.LeaOpen(in, actor);
  } else if (sub == "decide") {
    result = desk.LeaDecide(id, {args.Flag("approve"), *args.Option("reason"), from, to}, actor);
  } else if (sub == "notify") {
    result = desk.LeaNotify(id, {args.Flag("notified"), until, args.Option("reason").value_or("")},
                            actor);
  } else if (sub == "list") {
    result = desk.LeaList();
  } else if (sub == "show") {
    result = desk.LeaShow(id);
  } else {  // disclose
    auto disclosed = desk.LeaDisclose(id, actor);
    if (!disclosed.ok()) return ReportComplianceError("lea disclose", disclosed.status());
    std::string bytes = disclosed->envelope.dump(2) + "\n";
    const bool sealed = args.Option("seal-to").has_value();
    if (sealed) {
      auto s = compliance::SealTo(bytes, *args.Option("seal-to"));
      if (!s.ok()) return ReportComplianceError("lea disclose", s.status());
      bytes = *s;
    }
    if (Status s = out->Commit(bytes); !s.ok()) return ReportComplianceError("lea disclose", s);
    result = nlohmann::json{{"request", id},
                            {"out", out->path()},
                            {"records", disclosed->records},
                            {"sealed", sealed},
                            {"document_sha256", disclosed->document_sha256},
                            {"audit_index", disclosed->audit_index}};
  }
  if (!result.ok()) return ReportComplianceError("lea " + sub, result.status());
  Print(*result);
  return 0;
}

int AuditReport(const Args& args) {
  if (args.Flag("help")) return std::cout << kReportHelp, 0;
  if (Status s = args.Check({"config", "from", "to"}, {}, 1); !s.ok()) {
    std::cerr << "mailrelay audit report: " << s.message() << "\n" << kReportHelp;
    return kExitUsage;
  }
  std::optional<int64_t> from, to;
  if (args.Option("from")) from = ParseTimeMs(*args.Option("from"));
  if (args.Option("to")) to = ParseTimeMs(*args.Option("to"));
  if (!from || !to) {
    std::cerr << "mailrelay audit report: --from DATE and --to DATE are required (2026-01-01, "
                 "2026-01-01T00:00:00Z or unix ms)\n";
    return kExitUsage;
  }
  int exit_code = 0;
  auto session = OpenComplianceSession(args, "audit report", false, &exit_code);
  if (!session) return exit_code;
  auto report = session->handles.service->Report({*from, *to});
  if (!report.ok()) return ReportComplianceError("audit report", report.status());
  if (StderrIsTty()) std::cerr << compliance::TransparencyReportTable(*report) << "\n";
  Print(*report);
  return 0;
}

}  // namespace mailrelay::cli
