// server/policy_regions.cc — see policy_regions.h.
#include "server/policy_regions.h"

#include <algorithm>
#include <filesystem>
#include <regex>

namespace mailrelay::server {
namespace {

bool Listed(const PolicySet& policy, const std::string& id) {
  const auto& ids = policy.region_ids;
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

std::string ListedText(const PolicySet& policy) {
  std::string names;
  for (const auto& id : policy.region_ids) names += (names.empty() ? "" : ", ") + id;
  return names;
}

Status NotListed(const Config& config, const PolicySet& policy, const std::string& pointer,
                 const std::string& region) {
  return Status::FailedPrecondition(
      config.source + ": at " + pointer + ": region \"" + region + "\" is not listed in " +
      policy.files.at(0).source + " (listed: " + ListedText(policy) +
      "); add it there (and to dpa.json allowed_regions) or name a listed one");
}

}  // namespace

StatusOr<std::vector<std::string>> VaultRegionsFor(const Config& config, const PolicySet& policy) {
  if (!Listed(policy, config.default_region)) {
    return NotListed(config, policy, "/default_region", config.default_region);
  }
  for (size_t i = 0; i < config.routes.size(); ++i) {
    const RouteConfig& route = config.routes[i];
    if (!Listed(policy, route.region)) {
      return NotListed(config, policy, "/routes/" + std::to_string(i) + "/region", route.region);
    }
  }
  return policy.region_ids;
}

Status CheckNoUnlistedRegionFiles(const std::string& data_dir, const PolicySet& policy) {
  static const std::regex kRegionFile("vault-([a-z0-9-]{1,32})\\.db");
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir, ec)) {
    std::smatch m;
    const std::string name = entry.path().filename().string();
    if (!std::regex_match(name, m, kRegionFile) || Listed(policy, m[1].str())) continue;
    return Status::FailedPrecondition(
        "vault file " + entry.path().string() + " holds region \"" + m[1].str() + "\", which " +
        policy.files.at(0).source + " no longer lists (listed: " + ListedText(policy) +
        "): its records would never be swept or erased; list the region again");
  }
  return Status::Ok();
}

}  // namespace mailrelay::server
