// common/policy_set.cc — see policy_set.h and docs/retention.md "Policy files".
#include "common/policy_set.h"

#include <algorithm>
#include <set>

#include "common/embedded_policy.h"
#include "common/json_schema.h"

namespace mailrelay {
namespace {

Status Validate(const PolicyFile& f, std::string_view schema_text) {
  MR_ASSIGN_OR_RETURN(auto schema, JsonSchema::Compile(nlohmann::json::parse(schema_text)));
  return schema->Validate(f.doc, f.source);
}

Status Refuse(const PolicyFile& f, const std::string& pointer, const std::string& what,
              const PolicyFile& limit, const std::string& limit_pointer) {
  return Status::FailedPrecondition(f.source + ": at " + pointer + ": " + what + " (" +
                                    limit.source + " " + limit_pointer + ")");
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Regions: ids unique and each allowed by the DPA.
Status CheckRegions(const PolicyFile& regions, const PolicyFile& dpa,
                    std::vector<std::string>* ids) {
  std::vector<std::string> allowed = dpa.doc.at("allowed_regions").get<std::vector<std::string>>();
  const auto& list = regions.doc.at("regions");
  for (size_t i = 0; i < list.size(); ++i) {
    std::string id = list[i].at("id").get<std::string>();
    std::string ptr = "/regions/" + std::to_string(i) + "/id";
    if (Contains(*ids, id)) {
      return Refuse(regions, ptr, "region \"" + id + "\" is listed twice", regions, "/regions");
    }
    if (!Contains(allowed, id)) {
      return Refuse(regions, ptr, "region \"" + id + "\" is not allowed by the DPA", dpa,
                    "/allowed_regions");
    }
    ids->push_back(id);
  }
  return Status::Ok();
}

Status CheckRetentionRegions(const PolicyFile& retention, const PolicyFile& regions,
                             const std::vector<std::string>& ids) {
  auto it = retention.doc.find("regions");
  if (it == retention.doc.end()) return Status::Ok();
  for (const auto& [region, entry] : it->items()) {
    if (!Contains(ids, region)) {
      return Refuse(retention, "/regions/" + region,
                    "region \"" + region + "\" is not a known region", regions, "/regions");
    }
  }
  return Status::Ok();
}

Status CheckSubprocessors(const PolicyFile& subs, const PolicyFile& regions,
                          const std::vector<std::string>& ids) {
  const auto& list = subs.doc.at("subprocessors");
  for (size_t i = 0; i < list.size(); ++i) {
    const auto& locations = list[i].at("locations");
    for (size_t j = 0; j < locations.size(); ++j) {
      std::string loc = locations[j].get<std::string>();
      if (Contains(ids, loc)) continue;
      return Refuse(subs, "/subprocessors/" + std::to_string(i) + "/locations/" + std::to_string(j),
                    "sub-processor location \"" + loc + "\" is not a known region", regions,
                    "/regions");
    }
  }
  return Status::Ok();
}

}  // namespace

StatusOr<PolicySet> LoadPolicySet(const std::string& policy_dir) {
  struct Spec {
    const char* name;
    std::string_view builtin, schema;
  };
  const Spec specs[] = {
      {"regions.json", BuiltinRegionsText(), RegionsSchemaText()},
      {"retention.json", BuiltinRetentionText(), RetentionSchemaText()},
      {"subprocessors.json", BuiltinSubprocessorsText(), SubprocessorsSchemaText()},
      {"dpa.json", BuiltinDpaText(), DpaSchemaText()},
  };
  PolicySet set;
  for (const Spec& s : specs) {
    MR_ASSIGN_OR_RETURN(PolicyFile f, ReadPolicyFile(policy_dir, s.name, s.builtin));
    MR_RETURN_IF_ERROR(Validate(f, s.schema));
    set.files.push_back(std::move(f));
  }
  const PolicyFile &regions = set.files[0], &retention = set.files[1], &subs = set.files[2],
                   &dpa = set.files[3];
  // Retention against the DPA: the one check LoadRetentionPolicy makes.
  MR_ASSIGN_OR_RETURN(set.dpa_limits, ParseDpa(dpa.doc, dpa.source));
  MR_ASSIGN_OR_RETURN(set.retention_policy, ParseRetention(retention.doc, retention.source));
  MR_RETURN_IF_ERROR(CheckAgainstDpa(set.retention_policy, set.dpa_limits));
  MR_RETURN_IF_ERROR(CheckRegions(regions, dpa, &set.region_ids));
  MR_RETURN_IF_ERROR(CheckRetentionRegions(retention, regions, set.region_ids));
  MR_RETURN_IF_ERROR(CheckSubprocessors(subs, regions, set.region_ids));
  set.regions = regions.doc;
  set.retention = retention.doc;
  set.subprocessors = subs.doc;
  set.dpa = dpa.doc;
  return set;
}

}  // namespace mailrelay
