// cli/cmd_keys_rotate.cc — `mailrelay keys rotate --region R`: one region's key rotation
// (vault/rotation.h), progress on a terminal, a JSON summary, a keys.rotate audit entry.

#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/command.h"
#include "server/vault_open.h"
#include "vault/rotation.h"

namespace mailrelay::cli {
namespace {

constexpr int kExitTempFail = 75;  // EX_TEMPFAIL: the re-key needs `serve` stopped

constexpr char kRotateHelp[] =
    "usage: mailrelay keys rotate --region R [--batch-size N] [--max-batches N]\n"
    "                             [--skip-rekey | --rekey-only] [--actor NAME] [--config FILE]\n"
    "\n"
    "Rotates region R's keys: a new field key and blind-index key seal and index everything\n"
    "written from now on (a running serve switches at its next commit), every older record is\n"
    "re-encrypted and re-indexed in batches of N (default 1000) records, one short transaction\n"
    "each, while serve keeps running; then the old key versions are destroyed (what they sealed\n"
    "never opens again) and the SQLCipher file is re-keyed under the next page key.\n"
    "\n"
    "Re-keying the file needs it to itself: while serve (or any other mailrelay command) has it\n"
    "open, the rotation stops before that step and exits 75; stop serve and run the same command\n"
    "again to finish it. --skip-rekey finishes without re-keying the file; --rekey-only re-keys\n"
    "the file without new field keys (for a maintenance window after --skip-rekey rotations).\n"
    "\n"
    "Interrupted (crash, Ctrl-C, --max-batches), the rotation resumes where it stopped when the\n"
    "command is run again; it never starts a second new version while one is unfinished.\n"
    "Progress goes to stderr on a terminal; a JSON summary to stdout; each run appends a\n"
    "keys.rotate audit entry (counts only).\n";

std::optional<uint64_t> PositiveNumber(const std::optional<std::string>& text) {
  if (!text || text->empty() || text->size() > 9 ||
      text->find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  uint64_t v = std::stoull(*text);
  return v == 0 ? std::nullopt : std::optional<uint64_t>(v);
}

nlohmann::json Summary(const vault::RotateResult& r) {
  return {{"region", r.region},
          {"field_key", {{"from", r.field_from}, {"to", r.field_to}}},
          {"blind_index_key", {{"from", r.blind_from}, {"to", r.blind_to}}},
          {"page_key", {{"from", r.page_from}, {"to", r.page_to}}},
          {"records", r.records},
          {"batches", r.batches},
          {"records_total", r.records_total},
          {"resumed", r.resumed},
          {"old_versions_destroyed", r.old_versions_destroyed},
          {"rekey", vault::RekeyOutcomeName(r.rekey)},
          {"finished", r.finished},
          {"max_batch_ms", r.max_batch_ms},
          {"elapsed_ms", r.elapsed_ms}};
}

// "\r<region>: 12000 / 50000 records (24%), 12 batches" on a terminal; nothing otherwise.
void ShowProgress(const std::string& region, const vault::RotateProgress& p) {
  int pct = p.total == 0 ? 100 : static_cast<int>(p.done * 100 / p.total);
  std::cerr << "\rmailrelay keys rotate: " << region << ": " << p.done << " / " << p.total
            << " records re-encrypted (" << pct << "%), " << p.batches << " batches" << std::flush;
}

}  // namespace

int KeysRotate(const Args& args) {
  if (args.Flag("help")) return std::cout << kRotateHelp, 0;
  if (Status s = args.Check({"config", "actor", "region", "batch-size", "max-batches"},
                            {"skip-rekey", "rekey-only"}, 1);
      !s.ok()) {
    std::cerr << "mailrelay keys rotate: " << s.message() << "\n" << kRotateHelp;
    return kExitUsage;
  }
  const std::optional<std::string> region = args.Option("region");
  if (!region) {
    std::cerr << "mailrelay keys rotate: --region is required\n" << kRotateHelp;
    return kExitUsage;
  }
  vault::RotateOptions rotate;
  if (args.Option("batch-size")) {
    auto n = PositiveNumber(args.Option("batch-size"));
    if (!n) {
      std::cerr << "mailrelay keys rotate: --batch-size must be a positive number\n";
      return kExitUsage;
    }
    rotate.batch_size = *n;
  }
  if (args.Option("max-batches")) {
    auto n = PositiveNumber(args.Option("max-batches"));
    if (!n) {
      std::cerr << "mailrelay keys rotate: --max-batches must be a positive number\n";
      return kExitUsage;
    }
    rotate.max_batches = *n;
  }
  rotate.skip_rekey = args.Flag("skip-rekey");
  rotate.rekey_only = args.Flag("rekey-only");
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  if (tty) rotate.progress = [&](const vault::RotateProgress& p) { ShowProgress(*region, p); };

  int exit_code = 0;
  auto config = LoadConfigOrReport(args, &exit_code);
  if (!config.ok()) return exit_code;
  vault::VaultOptions options;
  options.data_dir = config->data_dir;
  auto regions = server::VaultRegions(*config);
  if (!regions.ok()) {
    std::cerr << "mailrelay keys rotate: " << regions.status().message() << "\n";
    return server::ExitCodeForVaultError(regions.status());
  }
  options.regions = *regions;
  options.master_key_path = config->master_key_file;
  auto result = vault::RotateRegion(options, *region, rotate);
  if (tty && rotate.progress) std::cerr << "\n";
  if (!result.ok()) {
    std::cerr << "mailrelay keys rotate: " << result.status().message() << "\n";
    return result.status().code() == StatusCode::kInvalidArgument
               ? kExitUsage
               : server::ExitCodeForVaultError(result.status());
  }
  nlohmann::json out = Summary(*result);
  nlohmann::json details = out;
  details.erase("elapsed_ms");
  details.erase("max_batch_ms");
  details["via"] = "cli";
  if (Status a = AuditAppend(*config, args, "keys.rotate", details); !a.ok()) {
    std::cerr << "mailrelay keys rotate: the rotation ran but could not be audited: " << a.message()
              << "\n";
    std::cout << out.dump(2) << "\n";
    return server::ExitCodeForVaultError(a);
  }
  std::cout << out.dump(2) << "\n";
  if (result->rekey == vault::RekeyOutcome::kBusy) {
    std::cerr << "mailrelay keys rotate: " << result->rekey_message << ".\n"
              << (rotate.rekey_only ? ""
                                    : "The field keys are rotated and the old versions destroyed; "
                                      "the file keeps its old page key until it is re-keyed. ")
              << "Stop serve and run the same command again to finish"
              << (rotate.rekey_only ? "" : ", or pass --skip-rekey") << ".\n";
    return kExitTempFail;
  }
  if (!result->finished) {
    std::cerr << "mailrelay keys rotate: stopped after " << result->batches
              << " batches (--max-batches); run the same command again to continue\n";
  }
  return 0;
}

}  // namespace mailrelay::cli
