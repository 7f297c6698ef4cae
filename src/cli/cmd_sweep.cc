// cli/cmd_sweep.cc — `mailrelay sweep`: one retention sweep of every region (docs/retention.md).

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/command.h"
#include "common/config_retention.h"
#include "common/policy_set.h"
#include "server/vault_open.h"
#include "vault/sweep_json.h"
#include "vault/vault.h"

namespace mailrelay::cli {
namespace {

constexpr char kSweepHelp[] =
    "usage: mailrelay sweep [--now ISO8601|UNIX_MS] [--dry-run] [--actor NAME] [--config FILE]\n"
    "\n"
    "Deletes the records past their lifetime and clears the fields past theirs (they read back\n"
    "as \"\"), then frees the space (secure_delete, incremental vacuum, WAL truncated). Prints\n"
    "the counts per region and field as JSON. --now sweeps as if it were that time (UTC).\n"
    "--dry-run only counts. On a terminal, progress goes to stderr. Each real sweep appends a\n"
    "retention.sweep audit entry (counts only).\n"
    "Policy files that break a schema or a commitment (e.g. a retention beyond policy/dpa.json)\n"
    "exit 78 naming the file, pointer and limit.\n";

// Returns unix ms from "1700000000000" or an ISO 8601 UTC time "2026-11-28T10:00:00Z".
std::optional<int64_t> ParseNowMs(const std::string& text) {
  if (!text.empty() && text.size() <= 15 &&
      text.find_first_not_of("0123456789") == std::string::npos) {
    return std::stoll(text);
  }
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr || (*end != '\0' && std::string(end) != "Z")) return std::nullopt;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

// "\rmailrelay sweep: us: 120000 records deleted, 310 fields cleared" on a terminal, at most
// five times a second; a newline once the sweep is over.
class ProgressLine {
 public:
  void Show(const std::string& region, const vault::SweepCounts& c) {
    const auto now = std::chrono::steady_clock::now();
    if (shown_ && now - last_ < std::chrono::milliseconds(200)) return;
    int64_t fields = 0;
    for (const auto& [name, n] : c.fields_cleared) fields += n;
    std::cerr << "\rmailrelay sweep: " << region << ": " << c.records_deleted
              << " records deleted, " << fields << " fields cleared";
    if (c.expiries_capped > 0) std::cerr << ", " << c.expiries_capped << " expiries capped";
    std::cerr << std::flush;
    shown_ = true;
    last_ = now;
  }
  void End() {
    if (shown_) std::cerr << "\n";
  }

 private:
  bool shown_ = false;
  std::chrono::steady_clock::time_point last_;
};

int64_t WallNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int Sweep(const Args& args) {
  if (args.Flag("help")) return std::cout << kSweepHelp, 0;
  if (Status s = args.Check({"config", "now", "actor"}, {"dry-run"}, 0); !s.ok()) {
    std::cerr << "mailrelay sweep: " << s.message() << "\n" << kSweepHelp;
    return kExitUsage;
  }
  int64_t now_ms = WallNowMs();
  if (auto now = args.Option("now")) {
    auto ms = ParseNowMs(*now);
    if (!ms) {
      std::cerr << "mailrelay sweep: --now \"" << *now
                << "\" is neither unix milliseconds nor YYYY-MM-DDTHH:MM:SSZ\n";
      return kExitUsage;
    }
    now_ms = *ms;
  }
  const bool dry_run = args.Flag("dry-run");
  int exit_code = 0;
  auto config = LoadConfigOrReport(args, &exit_code);
  if (!config.ok()) return exit_code;
  // A sweep under policy files that break a commitment is refused like a start-up.
  auto policy = LoadPolicyInForce(*config);
  if (!policy.ok()) {
    std::cerr << "mailrelay sweep: " << policy.status().message() << "\n";
    return kExitConfig;
  }
  auto vault = server::OpenVaultForService(*config, *policy);
  if (!vault.ok()) {
    std::cerr << "mailrelay sweep: " << vault.status().message() << "\n";
    return server::ExitCodeForVaultError(vault.status());
  }
  auto started = std::chrono::steady_clock::now();
  ProgressLine line;
  std::function<void(const std::string&, const vault::SweepCounts&)> progress;
  if (::isatty(STDERR_FILENO) == 1) {
    progress = [&](const std::string& region, const vault::SweepCounts& c) {
      line.Show(region, c);
    };
  }
  auto counts = (*vault)->Sweep(now_ms, dry_run, &policy->retention_policy, progress);
  line.End();
  if (!counts.ok()) {
    std::cerr << "mailrelay sweep: " << counts.status().message() << "\n";
    return server::ExitCodeForVaultError(counts.status());
  }
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - started)
                     .count();
  nlohmann::json out = vault::SweepCountsJson(*counts);
  out["now_ms"] = now_ms;
  out["dry_run"] = dry_run;
  if (!dry_run) {
    nlohmann::json details = out;
    details["via"] = "cli";
    if (Status a = AuditAppend(*config, args, "retention.sweep", details); !a.ok()) {
      std::cerr << "mailrelay sweep: the sweep ran but could not be audited: " << a.message()
                << "\n";
      std::cout << out.dump(2) << "\n";
      return server::ExitCodeForVaultError(a);
    }
  }
  out["elapsed_ms"] = elapsed;
  std::cout << out.dump(2) << "\n";
  return 0;
}

}  // namespace mailrelay::cli
