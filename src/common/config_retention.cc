// common/config_retention.cc — see config_retention.h and docs/retention.md.
#include "common/config_retention.h"

#include <algorithm>
#include <set>

namespace mailrelay {
namespace {

std::string Days(int d) { return std::to_string(d) + (d == 1 ? " day" : " days"); }

bool Has(const Lifetimes& l, const std::string& field) { return l.field_days.count(field) > 0; }

// `base` overlaid with `top` (top's record_days when set, then its fields one by one).
Lifetimes Overlay(Lifetimes base, const Lifetimes& top) {
  if (top.record_days > 0) base.record_days = top.record_days;
  for (const auto& [field, days] : top.field_days) base.field_days[field] = days;
  return base;
}

// How long `field` lives under `l`: its own lifetime, else its record's.
int FieldDays(const Lifetimes& l, const std::string& field) {
  auto it = l.field_days.find(field);
  return it == l.field_days.end() ? l.record_days : it->second;
}

// The shorter of the policy's lifetimes `policy` and the config's `config`, every field spelled
// out (so RetentionPolicy::For's overlay on the default cannot bring a longer one back).
Lifetimes Shorter(const Lifetimes& policy, const Lifetimes& config) {
  Lifetimes out;
  out.record_days = config.record_days > 0 ? std::min(policy.record_days, config.record_days)
                                           : policy.record_days;
  std::set<std::string> fields;
  for (const auto& [f, d] : policy.field_days) fields.insert(f);
  for (const auto& [f, d] : config.field_days) fields.insert(f);
  for (const std::string& f : fields) {
    int days = FieldDays(policy, f);
    if (Has(config, f)) days = std::min(days, config.field_days.at(f));
    out.field_days[f] = days;
  }
  return out;
}

class Checker {
 public:
  Checker(const Config& config, const PolicySet& policy) : config_(config), policy_(policy) {}

  // Checks the config entry `written` at `base` ("/retention/default", "/retention/regions/eu")
  // against the DPA and against the policy entry it shortens (`region`, or the default if empty).
  Status Entry(const std::string& base, const Lifetimes& written, const std::string& region) const {
    const DpaLimits& dpa = policy_.dpa_limits;
    if (written.record_days > 0) {
      MR_RETURN_IF_ERROR(Check(base + "/record_days", "record lifetime", written.record_days,
                               dpa.max_record_days, "/max_lifetimes_days/record",
                               PolicyRecord(region)));
    }
    for (const auto& [field, days] : written.field_days) {
      auto max = dpa.max_field_days.find(field);
      bool own_max = max != dpa.max_field_days.end();
      MR_RETURN_IF_ERROR(Check(base + "/fields/" + field, field + " lifetime", days,
                               own_max ? max->second : dpa.max_record_days,
                               own_max ? "/max_lifetimes_days/fields/" + field
                                       : std::string("/max_lifetimes_days/record"),
                               PolicyField(region, field)));
    }
    return Status::Ok();
  }

 private:
  struct Limit {
    int days;
    std::string pointer;  // in retention.json
  };

  Status Check(const std::string& pointer, const std::string& what, int days, int dpa_max,
               const std::string& dpa_pointer, const Limit& policy) const {
    const std::string at = config_.source + ": at " + pointer + ": " + what + " " + Days(days);
    if (days > dpa_max) {
      return Status::FailedPrecondition(at + " exceeds the DPA limit of " + Days(dpa_max) + " (" +
                                        policy_.dpa_limits.source + " " + dpa_pointer + ")");
    }
    if (days > policy.days) {
      return Status::FailedPrecondition(at + " is longer than the policy keeps it (" +
                                        Days(policy.days) + ", " + policy_.retention_policy.source +
                                        " " + policy.pointer +
                                        "); the config may only shorten lifetimes");
    }
    return Status::Ok();
  }

  const Lifetimes* RegionEntry(const std::string& region) const {
    const auto& overrides = policy_.retention_policy.region_overrides;
    auto it = region.empty() ? overrides.end() : overrides.find(region);
    return it == overrides.end() ? nullptr : &it->second;
  }

  Limit PolicyRecord(const std::string& region) const {
    const Lifetimes* own = RegionEntry(region);
    if (own != nullptr && own->record_days > 0) {
      return {own->record_days, "/regions/" + region + "/record_days"};
    }
    return {policy_.retention_policy.default_lifetimes.record_days, "/default/record_days"};
  }

  Limit PolicyField(const std::string& region, const std::string& field) const {
    const Lifetimes* own = RegionEntry(region);
    if (own != nullptr && Has(*own, field)) {
      return {own->field_days.at(field), "/regions/" + region + "/fields/" + field};
    }
    const Lifetimes& def = policy_.retention_policy.default_lifetimes;
    if (Has(def, field)) return {def.field_days.at(field), "/default/fields/" + field};
    return PolicyRecord(region);  // the field lives as long as its record
  }

  const Config& config_;
  const PolicySet& policy_;
};

}  // namespace

Status ApplyConfigRetention(const Config& config, PolicySet& policy) {
  const ConfigRetention& mine = config.retention;
  Checker checker(config, policy);
  MR_RETURN_IF_ERROR(checker.Entry("/retention/default", mine.defaults, ""));
  for (const auto& [region, written] : mine.regions) {
    const auto& ids = policy.region_ids;
    if (std::find(ids.begin(), ids.end(), region) == ids.end()) {
      return Status::FailedPrecondition(config.source + ": at /retention/regions/" + region +
                                        ": region \"" + region + "\" is not listed in " +
                                        policy.files.at(0).source);
    }
    MR_RETURN_IF_ERROR(checker.Entry("/retention/regions/" + region, written, region));
  }
  RetentionPolicy& in_force = policy.retention_policy;
  RetentionPolicy shorter;
  shorter.source = in_force.source;
  shorter.default_lifetimes = Shorter(in_force.default_lifetimes, mine.defaults);
  for (const std::string& region : policy.region_ids) {
    Lifetimes config_lifetimes = mine.defaults;
    if (auto it = mine.regions.find(region); it != mine.regions.end()) {
      config_lifetimes = Overlay(config_lifetimes, it->second);
    }
    shorter.region_overrides[region] = Shorter(in_force.For(region), config_lifetimes);
  }
  // Rounding to partition ends takes up to partition_days off each record's life: a record
  // must still outlive its receipt.
  for (const std::string& region : policy.region_ids) {
    const int days = shorter.For(region).record_days;
    if (config.partition_days > 0 && config.partition_days >= days) {
      return Status::FailedPrecondition(
          config.source + ": at /retention/partition_days: partitions of " +
          std::to_string(config.partition_days) + " days are not shorter than region " + region +
          "'s record lifetime of " + std::to_string(days) +
          " days; expiries are rounded down to a partition's end, so use at most " +
          std::to_string(days - 1));
    }
  }
  shorter.expiry_round_days = config.partition_days;
  in_force = std::move(shorter);
  return Status::Ok();
}

StatusOr<PolicySet> LoadPolicyInForce(const Config& config) {
  MR_ASSIGN_OR_RETURN(PolicySet policy, LoadPolicySet(config.policy_dir));
  MR_RETURN_IF_ERROR(ApplyConfigRetention(config, policy));
  return policy;
}

}  // namespace mailrelay
