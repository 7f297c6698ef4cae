// cli/cmd_policy.cc — `mailrelay policy check`: validates the config and the four policy files
// (schemas and cross-file commitments) and prints what was checked (docs/retention.md).

#include <iostream>
#include <nlohmann/json.hpp>

#include "auditlog/audit_log.h"
#include "cli/command.h"
#include "common/config_retention.h"
#include "common/policy_set.h"
#include "server/policy_regions.h"

namespace mailrelay::cli {
namespace {

constexpr char kPolicyHelp[] =
    "usage: mailrelay policy check [--policy-dir DIR] [--config FILE]\n"
    "\n"
    "Validates the config and policy/{regions,retention,subprocessors,dpa}.json: each against\n"
    "its schema, then the commitments across them (retention within the DPA's max lifetimes,\n"
    "regions allowed by the DPA, sub-processors only in known regions). --policy-dir replaces\n"
    "the config's policy_dir; a file missing there is the built-in copy. Prints a JSON summary\n"
    "(files with their SHA-256, regions, max lifetimes, and the retention in force: the\n"
    "policy's, shortened by the config's own `retention` lifetimes). A refusal exits 78\n"
    "naming the file, the JSON pointer and the limit.\n";

nlohmann::json Summary(const Config& config, const PolicySet& policy, const std::string& dir) {
  nlohmann::json files = nlohmann::json::array();
  for (const PolicyFile& f : policy.files) {
    files.push_back(
        {{"name", f.name}, {"source", f.source}, {"sha256", f.sha256}, {"builtin", f.builtin}});
  }
  nlohmann::json out = {{"ok", true},
                        {"config", config.quickstart ? "<quickstart>" : config.source},
                        {"policy_dir", dir},
                        {"files", std::move(files)},
                        {"regions", policy.region_ids},
                        {"allowed_regions", policy.dpa.at("allowed_regions")},
                        {"max_lifetimes_days", policy.dpa.at("max_lifetimes_days")},
                        {"retention", Article15Information(policy).at("retention")}};
  if (!config.quickstart) {
    auto digests = auditlog::StartupDigests(config.source, "");
    if (digests.ok()) out["config_sha256"] = (*digests)["config_sha256"];
  }
  return out;
}

}  // namespace

int Policy(const Args& args) {
  if (args.Flag("help")) return std::cout << kPolicyHelp, 0;
  if (Status s = args.Check({"config", "policy-dir"}, {}, 1);
      !s.ok() || args.positional()[0] != "check") {
    std::cerr << "mailrelay policy: " << (s.ok() ? "unknown subcommand" : s.message()) << "\n"
              << kPolicyHelp;
    return kExitUsage;
  }
  int exit_code = 0;
  auto config = LoadConfigOrReport(args, &exit_code);
  if (!config.ok()) return exit_code;
  const std::string dir = args.Option("policy-dir").value_or(config->policy_dir);
  auto policy = LoadPolicySet(dir);
  if (!policy.ok()) {
    std::cerr << "mailrelay policy check: " << policy.status().message() << "\n";
    return kExitConfig;
  }
  for (Status s : {server::VaultRegionsFor(*config, *policy).status(),
                   ApplyConfigRetention(*config, *policy)}) {
    if (!s.ok()) {
      std::cerr << "mailrelay policy check: " << s.message() << "\n";
      return kExitConfig;
    }
  }
  std::cout << Summary(*config, *policy, dir).dump(2) << "\n";
  return 0;
}

}  // namespace mailrelay::cli
