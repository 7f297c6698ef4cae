// cli/cmd_audit.cc — `mailrelay audit`: read, prove, export and verify the signed audit log;
// and the helpers other subcommands use to append entries (AuditAppend, AuditActor).

#include <sodium.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "auditlog/audit_log.h"
#include "auditlog/base64.h"
#include "auditlog/export_verify.h"
#include "cli/command.h"
#include "server/vault_open.h"

namespace mailrelay::cli {
namespace {

constexpr int kExitFail = 1;  // `audit verify`: the log or export does not verify
constexpr int kExitIoErr = 74;
constexpr size_t kDefaultLogLimit = 100;
constexpr size_t kMaxLogLimit = 10000;

constexpr char kAuditHelp[] =
    "usage: mailrelay audit log [--from N] [--limit N] [--config FILE]\n"
    "       mailrelay audit checkpoint [--config FILE]\n"
    "       mailrelay audit prove --index N [--size M] [--config FILE]\n"
    "       mailrelay audit prove --consistency OLD [--size M] [--config FILE]\n"
    "       mailrelay audit export --out DIR [--config FILE]\n"
    "       mailrelay audit verify [DIR] [--key FILE] [--trusted-checkpoint FILE] [--config FILE]\n"
    "       mailrelay audit report --from DATE --to DATE [--config FILE]\n"
    "\n"
    "The signed, append-only audit log (docs/auditlog.md, audit/FORMAT.md). JSON on stdout.\n"
    "  log         entries from index N (default 0), at most --limit (default 100, max 10000)\n"
    "  checkpoint  the latest signed checkpoint (C2SP signed note), its size, root and key\n"
    "  prove       an RFC 9162 inclusion proof of entry N, or a consistency proof from the\n"
    "              tree of OLD entries, in the tree of M entries (default: the latest size)\n"
    "  export      writes DIR/entries.jsonl, DIR/checkpoint and DIR/log.vkey (FORMAT.md §1)\n"
    "  verify      checks an export directory as the auditor's verifiers do (FORMAT.md §7);\n"
    "              without DIR, checks the live log. Exit 0 verified, 1 failed.\n"
    "  report      the transparency report (law-enforcement requests) from the log alone\n"
    "Options take a value as --name VALUE or --name=VALUE.\n";

int Usage(const std::string& why) {
  std::cerr << "mailrelay audit: " << why << "\n" << kAuditHelp;
  return kExitUsage;
}

std::optional<uint64_t> ParseCount(const std::optional<std::string>& text) {
  if (!text || text->empty() || text->size() > 19 ||
      text->find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stoull(*text);
}

int ExitFor(const Status& s) {
  if (s.code() == StatusCode::kInvalidArgument) return kExitUsage;
  return server::ExitCodeForVaultError(s);
}

int Fail(const std::string& what, const Status& s) {
  std::cerr << "mailrelay audit " << what << ": " << s.message() << "\n";
  return ExitFor(s);
}

std::string B64(const auditlog::Hash& h) {
  return auditlog::Base64Encode(
      std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

StatusOr<std::unique_ptr<auditlog::AuditLog>> OpenLog(const Config& config, bool create) {
  if (config.quickstart) {
    // Quickstart creates its files (and development key) on first use, as `serve` does.
    auto vault = server::OpenVaultForService(config);
    if (!vault.ok()) return vault.status();
    create = true;
  }
  return auditlog::OpenLocalAuditLog({config.data_dir, config.master_key_file, create});
}

std::optional<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

int PrintReport(const auditlog::ExportReport& report, std::vector<auditlog::ExportProblem> pre) {
  nlohmann::json problems = nlohmann::json::array();
  for (const auto& p : pre) problems.push_back({{"code", p.code}, {"message", p.message}});
  for (const auto& p : report.problems)
    problems.push_back({{"code", p.code}, {"message", p.message}});
  for (const auto& p : problems) {
    std::cerr << "FAIL " << p["code"].get<std::string>() << ": " << p["message"].get<std::string>()
              << "\n";
  }
  const bool ok = problems.empty();
  nlohmann::json out = {{"ok", ok}, {"entries", report.entries}, {"problems", problems}};
  if (report.checkpoint) {
    out["size"] = report.checkpoint->size;
    out["root"] = B64(report.checkpoint->root);
  }
  std::cout << out.dump(2) << "\n";
  std::cerr << (ok ? "OK: " + std::to_string(report.entries) + " entries verified\n"
                   : "FAILED: " + std::to_string(problems.size()) + " problem(s)\n");
  return ok ? 0 : kExitFail;
}

int VerifyDir(const Args& args, const std::string& dir) {
  std::vector<auditlog::ExportProblem> pre;
  auto entries = ReadWholeFile(dir + "/entries.jsonl");
  auto checkpoint = ReadWholeFile(dir + "/checkpoint");
  auto export_vkey = ReadWholeFile(dir + "/log.vkey");
  if (!entries && !checkpoint && !export_vkey) {
    std::cerr << "mailrelay audit verify: " << dir
              << " is not a readable export directory (no entries.jsonl, checkpoint, log.vkey)\n";
    return kExitNoInput;
  }
  std::string vkey_text;
  if (auto key_file = args.Option("key")) {
    auto pinned = ReadWholeFile(*key_file);
    if (!pinned) {
      std::cerr << "mailrelay audit verify: cannot read --key " << *key_file << "\n";
      return kExitNoInput;
    }
    vkey_text = *pinned;
  } else if (export_vkey) {
    vkey_text = *export_vkey;
    std::cerr << "warning: using the key from the export (" << dir
              << "/log.vkey); pass --key FILE with a key obtained separately\n";
  }
  auto key = auditlog::NoteVerifier::FromVkey(vkey_text);
  if (!key.ok()) {
    pre.push_back({"vkey-malformed", "the log key does not parse: " + key.status().message()});
    return PrintReport({}, pre);
  }
  if (args.Option("key") && export_vkey && Trim(*export_vkey) != Trim(vkey_text)) {
    pre.push_back({"vkey-mismatch", "the export's log.vkey is not the pinned key"});
  }
  if (!export_vkey && !args.Option("key")) {
    pre.push_back({"export-missing-file", dir + "/log.vkey is missing"});
  }
  if (!entries) pre.push_back({"export-missing-file", dir + "/entries.jsonl is missing"});
  std::optional<std::string> trusted;
  if (auto t = args.Option("trusted-checkpoint")) {
    trusted = ReadWholeFile(*t);
    if (!trusted) {
      std::cerr << "mailrelay audit verify: cannot read --trusted-checkpoint " << *t << "\n";
      return kExitNoInput;
    }
  }
  if (!checkpoint) pre.push_back({"export-missing-file", dir + "/checkpoint is missing"});
  auditlog::ExportInput input;
  input.entries = entries ? std::string_view(*entries) : std::string_view();
  if (checkpoint) input.checkpoint = std::string_view(*checkpoint);
  if (trusted) input.trusted_checkpoint = std::string_view(*trusted);
  auditlog::ExportReport report = auditlog::VerifyExport(input, *key);
  // A missing checkpoint is reported once, as the missing file.
  if (!checkpoint) {
    std::erase_if(report.problems, [](const auditlog::ExportProblem& p) {
      return p.code.rfind("checkpoint", 0) == 0;
    });
  }
  return PrintReport(report, pre);
}

int VerifyLive(const Config& config, const Args& args) {
  auto log = OpenLog(config, false);
  if (!log.ok()) return Fail("verify", log.status());
  auto head = (*log)->Latest();
  if (!head.ok()) return Fail("verify", head.status());
  std::string jsonl;
  for (uint64_t at = 0; at < head->size;) {
    auto page = (*log)->Entries(at, kMaxLogLimit);
    if (!page.ok()) return Fail("verify", page.status());
    if (page->empty()) break;
    for (const auto& e : *page) jsonl += e + "\n";
    at += page->size();
  }
  std::optional<std::string> trusted;
  if (auto t = args.Option("trusted-checkpoint")) {
    trusted = ReadWholeFile(*t);
    if (!trusted) {
      std::cerr << "mailrelay audit verify: cannot read --trusted-checkpoint " << *t << "\n";
      return kExitNoInput;
    }
  }
  auditlog::ExportInput input;
  input.entries = jsonl;
  input.checkpoint = std::string_view(head->checkpoint);
  if (trusted) input.trusted_checkpoint = std::string_view(*trusted);
  return PrintReport(auditlog::VerifyExport(input, (*log)->verifier()), {});
}

}  // namespace

std::string AuditActor(const Args& args) {
  if (auto actor = args.Option("actor"); actor && !actor->empty()) return "cli:" + *actor;
  const char* user = std::getenv("USER");
  return std::string("cli:") + (user != nullptr && *user != '\0' ? user : "unknown");
}

Status AuditAppend(const Config& config, const Args& args, const std::string& action,
                   nlohmann::json details, bool create) {
  auto log = OpenLog(config, create);
  if (!log.ok()) return log.status().WithContext("audit log");
  auto r = (*log)->Append({AuditActor(args), action, std::move(details)});
  if (!r.ok()) return r.status().WithContext("audit log");
  return Status::Ok();
}

int Audit(const Args& args) {
  if (args.Flag("help") || args.positional().empty()) {
    std::cout << kAuditHelp;
    return args.Flag("help") ? 0 : kExitUsage;
  }
  const std::string sub = args.positional()[0];
  if (sub == "report") return AuditReport(args);
  Status check;
  if (sub == "log") {
    check = args.Check({"config", "from", "limit"}, {}, 1);
  } else if (sub == "checkpoint") {
    check = args.Check({"config"}, {}, 1);
  } else if (sub == "prove") {
    check = args.Check({"config", "index", "size", "consistency"}, {}, 1);
  } else if (sub == "export") {
    check = args.Check({"config", "out"}, {}, 1);
  } else if (sub == "verify") {
    check = args.positional().size() == 2
                ? args.Check({"config", "key", "trusted-checkpoint"}, {}, 2)
                : args.Check({"config", "trusted-checkpoint"}, {}, 1);
  } else {
    return Usage("unknown subcommand \"" + sub + "\"");
  }
  if (!check.ok()) return Usage(check.message());

  if (sub == "verify" && args.positional().size() == 2)
    return VerifyDir(args, args.positional()[1]);

  // Validate the numbers before touching any file.
  std::optional<uint64_t> from = 0, limit = kDefaultLogLimit, index, size = 0, old_size;
  if (sub == "log") {
    if (args.Option("from") && !(from = ParseCount(args.Option("from")))) {
      return Usage("--from must be an entry index (a non-negative integer)");
    }
    if (args.Option("limit")) {
      limit = ParseCount(args.Option("limit"));
      if (!limit || *limit == 0 || *limit > kMaxLogLimit) {
        return Usage("--limit must be a number 1.." + std::to_string(kMaxLogLimit));
      }
    }
  }
  if (sub == "prove") {
    if (args.Option("index").has_value() == args.Option("consistency").has_value()) {
      return Usage("prove needs exactly one of --index N and --consistency OLD");
    }
    if (args.Option("index") && !(index = ParseCount(args.Option("index")))) {
      return Usage("--index must be an entry index (a non-negative integer)");
    }
    if (args.Option("consistency") && !(old_size = ParseCount(args.Option("consistency")))) {
      return Usage("--consistency must be a tree size (a non-negative integer)");
    }
    if (args.Option("size")) {
      size = ParseCount(args.Option("size"));
      if (!size || *size == 0) return Usage("--size must be a tree size of at least 1");
    }
  }
  if (sub == "export" && (!args.Option("out") || args.Option("out")->empty())) {
    return Usage("export needs --out DIR");
  }

  int exit_code = 0;
  auto config = LoadConfigOrReport(args, &exit_code);
  if (!config.ok()) return exit_code;
  if (sub == "verify") return VerifyLive(*config, args);
  auto log = OpenLog(*config, false);
  if (!log.ok()) return Fail(sub, log.status());

  if (sub == "log") {
    auto head = (*log)->Latest();
    if (!head.ok()) return Fail(sub, head.status());
    auto entries = (*log)->Entries(*from, *limit);
    if (!entries.ok()) return Fail(sub, entries.status());
    nlohmann::json list = nlohmann::json::array();
    for (const std::string& e : *entries) list.push_back(nlohmann::json::parse(e));
    uint64_t next = *from + entries->size();
    nlohmann::json out = {{"entries", list},
                          {"from", *from},
                          {"size", head->size},
                          {"next", next < head->size ? nlohmann::json(next) : nlohmann::json()}};
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  if (sub == "checkpoint") {
    auto head = (*log)->Latest();
    if (!head.ok()) return Fail(sub, head.status());
    nlohmann::json out = {{"origin", (*log)->origin()},
                          {"size", head->size},
                          {"root", B64(head->root)},
                          {"checkpoint", head->checkpoint},
                          {"vkey", (*log)->verifier().Vkey()}};
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  if (sub == "prove") {
    if (index) {
      auto a = (*log)->ProveInclusion(*index, *size);
      if (!a.ok()) return Fail(sub, a.status());
      std::cout << a->ToJson().dump(2) << "\n";
    } else {
      auto a = (*log)->ProveConsistency(*old_size, *size);
      if (!a.ok()) return Fail(sub, a.status());
      std::cout << a->ToJson().dump(2) << "\n";
    }
    return 0;
  }
  // export
  const std::string dir = *args.Option("out");
  auto head = (*log)->Export(dir);
  if (!head.ok()) {
    std::cerr << "mailrelay audit export: " << head.status().message() << "\n";
    return head.status().code() == StatusCode::kDataLoss ? kExitDataErr : kExitIoErr;
  }
  std::cerr << "exported " << head->size << " entries to " << dir
            << " (entries.jsonl, checkpoint, log.vkey)\n";
  std::cout << nlohmann::json{{"ok", true},
                              {"dir", dir},
                              {"size", head->size},
                              {"root", B64(head->root)},
                              {"vkey", (*log)->verifier().Vkey()}}
                   .dump(2)
            << "\n";
  return 0;
}

}  // namespace mailrelay::cli
