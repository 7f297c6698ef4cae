// api/audit_json.cc — query parsing and JSON encoding for the auditor endpoints.
#include "api/audit_json.h"

#include <map>
#include <optional>
#include <set>

#include "auditlog/base64.h"

namespace mailrelay::api {
namespace {

std::string HashB64(const auditlog::Hash& h) {
  return auditlog::Base64Encode(
      std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

nlohmann::json HashArray(const std::vector<auditlog::Hash>& hashes) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& h : hashes) a.push_back(HashB64(h));
  return a;
}

// Collects the parameters, refusing unknown and repeated ones.
StatusOr<std::map<std::string, std::string>> Collect(const QueryParams& params,
                                                     const std::set<std::string>& known) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : params) {
    if (!known.count(k)) {
      std::string list;
      for (const auto& n : known) list += (list.empty() ? "" : ", ") + n;
      return Status::InvalidArgument(k + ": unknown parameter (known: " + list + ")");
    }
    if (!out.emplace(k, v).second) return Status::InvalidArgument(k + ": given more than once");
  }
  return out;
}

StatusOr<std::optional<uint64_t>> Number(const std::map<std::string, std::string>& m,
                                         const std::string& name) {
  auto it = m.find(name);
  if (it == m.end()) return std::optional<uint64_t>();
  const std::string& v = it->second;
  if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos) {
    return Status::InvalidArgument(name + ": must be a non-negative decimal integer, got \"" +
                                   v.substr(0, 32) + "\"");
  }
  uint64_t n = 0;
  for (char c : v) n = n * 10 + static_cast<uint64_t>(c - '0');
  return std::optional<uint64_t>(n);
}

StatusOr<uint64_t> Required(const std::map<std::string, std::string>& m, const std::string& name) {
  MR_ASSIGN_OR_RETURN(std::optional<uint64_t> n, Number(m, name));
  if (!n) return Status::InvalidArgument(name + ": missing (required)");
  return *n;
}

StatusOr<uint64_t> OptionalSize(const std::map<std::string, std::string>& m) {
  MR_ASSIGN_OR_RETURN(std::optional<uint64_t> n, Number(m, "size"));
  if (!n) return uint64_t{0};
  if (*n == 0) return Status::InvalidArgument("size: must be at least 1 (omit it for the latest)");
  return *n;
}

}  // namespace

StatusOr<AuditEntriesQuery> ParseAuditEntriesQuery(const QueryParams& params) {
  MR_ASSIGN_OR_RETURN(auto m, Collect(params, {"from", "limit"}));
  AuditEntriesQuery q;
  MR_ASSIGN_OR_RETURN(std::optional<uint64_t> from, Number(m, "from"));
  if (from) q.from = *from;
  MR_ASSIGN_OR_RETURN(std::optional<uint64_t> limit, Number(m, "limit"));
  if (limit) {
    if (*limit < 1 || *limit > kAuditEntriesMaxLimit) {
      return Status::InvalidArgument("limit: must be between 1 and " +
                                     std::to_string(kAuditEntriesMaxLimit));
    }
    q.limit = *limit;
  }
  return q;
}

StatusOr<AuditInclusionQuery> ParseInclusionQuery(const QueryParams& params) {
  MR_ASSIGN_OR_RETURN(auto m, Collect(params, {"index", "size"}));
  AuditInclusionQuery q;
  MR_ASSIGN_OR_RETURN(q.index, Required(m, "index"));
  MR_ASSIGN_OR_RETURN(q.size, OptionalSize(m));
  return q;
}

StatusOr<AuditConsistencyQuery> ParseConsistencyQuery(const QueryParams& params) {
  MR_ASSIGN_OR_RETURN(auto m, Collect(params, {"old", "size"}));
  AuditConsistencyQuery q;
  MR_ASSIGN_OR_RETURN(q.old_size, Required(m, "old"));
  MR_ASSIGN_OR_RETURN(q.size, OptionalSize(m));
  return q;
}

nlohmann::json AuditEntriesJson(uint64_t from, uint64_t size,
                                const std::vector<std::string>& entries) {
  nlohmann::json list = nlohmann::json::array();
  uint64_t i = from;
  for (const auto& e : entries) list.push_back({{"index", i++}, {"entry", e}});
  return {{"from", from},
          {"size", size},
          {"entries", std::move(list)},
          {"next_from", i < size ? nlohmann::json(i) : nlohmann::json(nullptr)}};
}

nlohmann::json InclusionProofJson(const auditlog::InclusionAnswer& a) {
  nlohmann::json j = {{"index", a.index},
                      {"size", a.size},
                      {"leaf_hash", HashB64(a.leaf_hash)},
                      {"proof", HashArray(a.proof)}};
  if (a.checkpoint) j["checkpoint"] = *a.checkpoint;
  return j;
}

nlohmann::json ConsistencyProofJson(const auditlog::ConsistencyAnswer& a) {
  nlohmann::json j = {{"size1", a.size1}, {"size2", a.size2}, {"proof", HashArray(a.proof)}};
  if (a.checkpoint1) j["checkpoint1"] = *a.checkpoint1;
  if (a.checkpoint2) j["checkpoint2"] = *a.checkpoint2;
  return j;
}

}  // namespace mailrelay::api
