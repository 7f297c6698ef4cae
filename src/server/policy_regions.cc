// server/policy_regions.cc — see policy_regions.h.
#include "server/policy_regions.h"

#include <algorithm>

#include "server/vault_open.h"

namespace mailrelay::server {

Status CheckVaultRegionsListed(const PolicySet& policy) {
  const auto& listed = policy.region_ids;
  for (const auto& id : VaultRegions()) {
    if (std::find(listed.begin(), listed.end(), id) != listed.end()) continue;
    std::string names;
    for (const auto& l : listed) names += (names.empty() ? "" : ", ") + l;
    return Status::FailedPrecondition(policy.files.at(0).source + ": at /regions: region \"" + id +
                                      "\", which the vault keeps records in, is not listed " +
                                      "(listed: " + names + ")");
  }
  return Status::Ok();
}

}  // namespace mailrelay::server
