// common/policy_set.h — the four machine-readable commitments (policy/regions.json,
// retention.json, subprocessors.json, dpa.json) loaded together, each checked against its
// schema and all against each other; and what GDPR art. 15 says a data subject is told.
//
//   MR_ASSIGN_OR_RETURN(PolicySet p, LoadPolicySet(config.policy_dir));
//   p.retention_policy.ExpiryFor("eu", received_ms);
//   nlohmann::json info = Article15Information(p);   // purposes, recipients, retention, …
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/policy_file.h"
#include "common/retention.h"
#include "common/status.h"

namespace mailrelay {

struct PolicySet {
  nlohmann::json regions, retention, subprocessors, dpa;
  RetentionPolicy retention_policy;
  DpaLimits dpa_limits;
  // The files in the order they were checked: regions, retention, subprocessors, dpa.
  std::vector<PolicyFile> files;
  std::vector<std::string> region_ids;  // regions.json's ids, in its order
};

// Reads the four files from `policy_dir` (each replaced by the copy built into the binary when
// `policy_dir` is empty or has no such file), validates each against its schema
// (InvalidArgument "<file>: at <pointer>: …") and checks the commitments across files
// (FailedPrecondition "<file>: at <pointer>: … (<limit file> <limit pointer>)"):
//  - retention within the DPA's max lifetimes and allowed regions (CheckAgainstDpa);
//  - every region in regions.json allowed by the DPA, ids unique;
//  - every region retention.json names listed in regions.json;
//  - every sub-processor location a region in regions.json.
StatusOr<PolicySet> LoadPolicySet(const std::string& policy_dir);

// The information GDPR art. 15(1) owes a data subject, from the policy set:
//   {"purposes": [text…], "recipients": [{"name", "purpose", "locations": [region…]}…],
//    "storage_locations": {"<region>": text, …},
//    "retention": {"<region>": {"record_days": N, "fields": {"<field>": N, …}}, …},
//    "legal_basis_note": text (only when dpa.json has one)}
// Retention is what RetentionPolicy applies: the default overlaid with the region's entry; a
// field lives min(its lifetime, the record's); every personal field is listed.
nlohmann::json Article15Information(const PolicySet& policy);

}  // namespace mailrelay
