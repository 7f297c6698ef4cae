// server/policy_regions.h — every region the vault keeps records in must be described in
// policy/regions.json (the config's regions are a subset: its schema allows only those).
#pragma once

#include "common/policy_set.h"
#include "common/status.h"

namespace mailrelay::server {

// Returns OK, or FailedPrecondition naming regions.json, the pointer and what it lists.
Status CheckVaultRegionsListed(const PolicySet& policy);

}  // namespace mailrelay::server
