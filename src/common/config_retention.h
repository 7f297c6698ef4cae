// common/config_retention.h — the config's own lifetimes (DESIGN.md "Retention": the config may
// only shorten lifetimes): checked against the DPA and policy/retention.json, then applied.
#pragma once

#include "common/config.h"
#include "common/policy_set.h"
#include "common/status.h"

namespace mailrelay {

// Replaces policy.retention_policy with the lifetimes in force: for each listed region, record
// and field, the shorter of the policy's and the config's (a config region's entry overrides the
// config default, field by field). Everything downstream — expiry at write, the sweep's capping
// of older records, what an export tells the subject — then uses the shorter ones.
// FailedPrecondition "<config>: at /retention/…: …" naming the limit (file and pointer) when a
// config lifetime exceeds the DPA or is longer than the policy's, or names an unlisted region.
Status ApplyConfigRetention(const Config& config, PolicySet& policy);

// LoadPolicySet(config.policy_dir), then ApplyConfigRetention: the policy in force.
StatusOr<PolicySet> LoadPolicyInForce(const Config& config);

}  // namespace mailrelay
