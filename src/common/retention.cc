// common/retention.cc — see retention.h.
#include "common/retention.h"

#include "common/embedded_policy.h"
#include "common/json_schema.h"
#include "common/policy_file.h"

namespace mailrelay {
namespace {

StatusOr<std::shared_ptr<const JsonSchema>> Schema(std::string_view text) {
  return JsonSchema::Compile(nlohmann::json::parse(text));
}

std::string Days(int d) { return std::to_string(d) + (d == 1 ? " day" : " days"); }

}  // namespace

Lifetimes LifetimesFromJson(const nlohmann::json& j) {
  Lifetimes l;
  l.record_days = j.value("record_days", 0);
  if (auto it = j.find("fields"); it != j.end()) {
    for (const auto& [name, days] : it->items()) l.field_days[name] = days.get<int>();
  }
  return l;
}

Lifetimes RetentionPolicy::For(std::string_view region) const {
  Lifetimes l = default_lifetimes;
  auto it = region_overrides.find(region);
  if (it == region_overrides.end()) return l;
  if (it->second.record_days > 0) l.record_days = it->second.record_days;
  for (const auto& [field, days] : it->second.field_days) l.field_days[field] = days;
  return l;
}

RecordExpiry RetentionPolicy::ExpiryFor(std::string_view region, int64_t received_ms) const {
  Lifetimes l = For(region);
  RecordExpiry e;
  e.record_ms = received_ms + int64_t{l.record_days} * kMsPerDay;
  if (expiry_round_days > 0) {
    const int64_t span_ms = int64_t{expiry_round_days} * kMsPerDay;
    e.record_ms -= ((e.record_ms % span_ms) + span_ms) % span_ms;
  }
  for (const auto& [field, days] : l.field_days) {
    int64_t at = received_ms + int64_t{days} * kMsPerDay;
    if (at < e.record_ms) e.fields_ms[field] = at;
  }
  return e;
}

StatusOr<RetentionPolicy> ParseRetention(const nlohmann::json& doc, const std::string& source) {
  MR_ASSIGN_OR_RETURN(auto schema, Schema(RetentionSchemaText()));
  MR_RETURN_IF_ERROR(schema->Validate(doc, source));
  RetentionPolicy p;
  p.source = source;
  p.default_lifetimes = LifetimesFromJson(doc.at("default"));
  if (auto it = doc.find("regions"); it != doc.end()) {
    for (const auto& [region, entry] : it->items())
      p.region_overrides[region] = LifetimesFromJson(entry);
  }
  return p;
}

StatusOr<DpaLimits> ParseDpa(const nlohmann::json& doc, const std::string& source) {
  MR_ASSIGN_OR_RETURN(auto schema, Schema(DpaSchemaText()));
  MR_RETURN_IF_ERROR(schema->Validate(doc, source));
  DpaLimits d;
  d.source = source;
  const auto& max = doc.at("max_lifetimes_days");
  d.max_record_days = max.at("record").get<int>();
  if (auto it = max.find("fields"); it != max.end()) {
    for (const auto& [name, days] : it->items()) d.max_field_days[name] = days.get<int>();
  }
  for (const auto& r : doc.at("allowed_regions")) d.allowed_regions.push_back(r.get<std::string>());
  return d;
}

Status CheckAgainstDpa(const RetentionPolicy& policy, const DpaLimits& dpa) {
  auto refuse = [&](const std::string& pointer, const std::string& what,
                    const std::string& limit_pointer, int limit) {
    return Status::FailedPrecondition(policy.source + ": at " + pointer + ": " + what +
                                      " exceeds the DPA limit of " + Days(limit) + " (" +
                                      dpa.source + " " + limit_pointer +
                                      "); a retention may only be "
                                      "shorter than the DPA allows");
  };
  // Checks one entry (the default or a region's) with its effective lifetimes.
  auto check = [&](const std::string& base, const Lifetimes& effective,
                   const Lifetimes& written) -> Status {
    // The record's pointer: where this entry's record_days comes from.
    std::string record_ptr =
        written.record_days > 0 ? base + "/record_days" : "/default/record_days";
    if (effective.record_days > dpa.max_record_days) {
      return refuse(record_ptr, "record lifetime " + Days(effective.record_days),
                    "/max_lifetimes_days/record", dpa.max_record_days);
    }
    for (const auto& [field, max] : dpa.max_field_days) {
      auto it = effective.field_days.find(field);
      int days = it == effective.field_days.end() ? effective.record_days
                                                  : std::min(it->second, effective.record_days);
      if (days <= max) continue;
      std::string ptr = record_ptr;
      std::string what = field + " lives as long as its record (" + Days(days) + ")";
      if (it != effective.field_days.end()) {
        ptr =
            (written.field_days.count(field) ? base : std::string("/default")) + "/fields/" + field;
        what = field + " lifetime " + Days(days);
      }
      return refuse(ptr, what, "/max_lifetimes_days/fields/" + field, max);
    }
    return Status::Ok();
  };
  MR_RETURN_IF_ERROR(check("/default", policy.default_lifetimes, policy.default_lifetimes));
  for (const auto& [region, written] : policy.region_overrides) {
    bool allowed = false;
    for (const auto& r : dpa.allowed_regions) allowed = allowed || r == region;
    if (!allowed) {
      return Status::FailedPrecondition(policy.source + ": at /regions/" + region + ": region \"" +
                                        region + "\" is not allowed by the DPA (" + dpa.source +
                                        " /allowed_regions)");
    }
    MR_RETURN_IF_ERROR(check("/regions/" + region, policy.For(region), written));
  }
  return Status::Ok();
}

StatusOr<RetentionPolicy> LoadRetentionPolicy(const std::string& policy_dir) {
  MR_ASSIGN_OR_RETURN(PolicyFile dpa_file,
                      ReadPolicyFile(policy_dir, "dpa.json", BuiltinDpaText()));
  MR_ASSIGN_OR_RETURN(DpaLimits dpa, ParseDpa(dpa_file.doc, dpa_file.source));
  MR_ASSIGN_OR_RETURN(PolicyFile ret_file,
                      ReadPolicyFile(policy_dir, "retention.json", BuiltinRetentionText()));
  MR_ASSIGN_OR_RETURN(RetentionPolicy policy, ParseRetention(ret_file.doc, ret_file.source));
  MR_RETURN_IF_ERROR(CheckAgainstDpa(policy, dpa));
  return policy;
}

}  // namespace mailrelay
