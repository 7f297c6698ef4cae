// common/article15.cc — Article15Information (policy_set.h): what the policy set tells a data
// subject about purposes, recipients, storage locations and retention.
#include <array>
#include <string_view>

#include "common/policy_set.h"

namespace mailrelay {
namespace {

// The personal fields of a metadata record (DESIGN.md "The metadata record").
constexpr std::array<std::string_view, 6> kPersonalFields = {
    "sender_ip", "message_id", "sender", "recipient", "subject", "server_response"};

}  // namespace

nlohmann::json Article15Information(const PolicySet& policy) {
  nlohmann::json out;
  out["purposes"] = policy.dpa.at("processing_purposes");
  out["recipients"] = nlohmann::json::array();
  for (const auto& s : policy.subprocessors.at("subprocessors")) {
    out["recipients"].push_back(
        {{"name", s.at("name")}, {"purpose", s.at("purpose")}, {"locations", s.at("locations")}});
  }
  out["storage_locations"] = nlohmann::json::object();
  out["retention"] = nlohmann::json::object();
  for (const auto& r : policy.regions.at("regions")) {
    const std::string id = r.at("id").get<std::string>();
    out["storage_locations"][id] = r.at("location");
    Lifetimes l = policy.retention_policy.For(id);
    nlohmann::json fields = nlohmann::json::object();
    for (std::string_view f : kPersonalFields) {
      auto it = l.field_days.find(f);
      int days = it == l.field_days.end() ? l.record_days : std::min(it->second, l.record_days);
      fields[std::string(f)] = days;
    }
    out["retention"][id] = {{"record_days", l.record_days}, {"fields", std::move(fields)}};
  }
  if (auto it = policy.dpa.find("legal_basis_note"); it != policy.dpa.end()) {
    out["legal_basis_note"] = *it;
  }
  return out;
}

}  // namespace mailrelay
