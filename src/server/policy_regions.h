// server/policy_regions.h — the vault's regions are policy/regions.json's: the config may only
// name listed regions, and no vault file may hold a region the policy has stopped listing.
#pragma once

#include <string>
#include <vector>

#include "common/config.h"
#include "common/policy_set.h"
#include "common/status.h"

namespace mailrelay::server {

// Returns regions.json's ids, in its order: one vault file each. FailedPrecondition naming the
// config, the JSON pointer (/default_region, /routes/N/region) and the listed ids when the
// config names a region regions.json does not list.
StatusOr<std::vector<std::string>> VaultRegionsFor(const Config& config, const PolicySet& policy);

// FailedPrecondition when `data_dir` holds a vault-<id>.db whose id regions.json does not list:
// its records would never be swept, exported or erased again.
Status CheckNoUnlistedRegionFiles(const std::string& data_dir, const PolicySet& policy);

}  // namespace mailrelay::server
