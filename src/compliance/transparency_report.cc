// compliance/transparency_report.cc — see transparency_report.h and docs/compliance.md.
#include "compliance/transparency_report.h"

#include <map>
#include <set>
#include <sstream>

#include "common/time_format.h"

namespace mailrelay::compliance {
namespace {

const std::vector<std::string>& Outcomes() {
  static const std::vector<std::string> k = {"pending", "approved", "rejected", "disclosed",
                                             "partially_disclosed"};
  return k;
}

struct Request {
  std::string country, legal_basis, subject_index;
  std::string outcome = "pending";
  uint64_t records = 0, accounts = 0;
  std::string notice = "none";
};

std::string Text(const nlohmann::json& details, const char* key) {
  auto it = details.find(key);
  return it != details.end() && it->is_string() ? it->get<std::string>() : std::string();
}

uint64_t Count(const nlohmann::json& details, const char* key) {
  auto it = details.find(key);
  if (it == details.end() || !it->is_number_integer() || it->get<int64_t>() < 0) return 0;
  return it->get<uint64_t>();
}

nlohmann::json EmptyTally() {
  nlohmann::json t = {{"requests", 0}};
  for (const auto& o : Outcomes()) t[o] = 0;
  return t;
}

}  // namespace

nlohmann::json BuildTransparencyReport(const std::vector<auditlog::Entry>& entries,
                                       const ReportPeriod& period, const std::string& log_origin,
                                       uint64_t log_size) {
  std::map<std::string, Request> requests;  // by request id, opened inside the period
  for (const auditlog::Entry& e : entries) {
    if (e.action.rfind("lea.", 0) != 0) continue;
    const std::string id = Text(e.details, "request");
    if (e.action == "lea.open") {
      // Entries carry 0-9 fractional digits; digits past milliseconds are dropped.
      std::optional<int64_t> t =
          ParseTimeMs(e.time.size() > 24 ? e.time.substr(0, 23) + "Z" : e.time);
      if (!t || *t < period.from_ms || *t >= period.to_ms) continue;
      Request r;
      r.country = Text(e.details, "country");
      r.legal_basis = Text(e.details, "legal_basis");
      r.subject_index = Text(e.details, "subject_index");
      requests.emplace(id, r);
      continue;
    }
    auto it = requests.find(id);
    if (it == requests.end()) continue;
    Request& r = it->second;
    if (e.action == "lea.decide") {
      r.outcome = Text(e.details, "decision") == "approved" ? "approved" : "rejected";
    } else if (e.action == "lea.disclose") {
      r.outcome = Text(e.details, "outcome");
      r.records = Count(e.details, "records");
      r.accounts = Count(e.details, "accounts");
    } else if (e.action == "lea.notify") {
      r.notice = Text(e.details, "notice");
    }
  }
  nlohmann::json by_outcome = nlohmann::json::object();
  for (const auto& o : Outcomes()) by_outcome[o] = 0;
  nlohmann::json by_country = nlohmann::json::object(), by_basis = nlohmann::json::object();
  nlohmann::json notices = {{"notified", 0}, {"deferred", 0}, {"none", 0}};
  uint64_t records = 0, accounts = 0;
  std::set<std::string> subjects;
  for (const auto& [id, r] : requests) {
    by_outcome[r.outcome] = by_outcome.value(r.outcome, 0) + 1;
    for (auto* table : {&by_country, &by_basis}) {
      const std::string& key = table == &by_country ? r.country : r.legal_basis;
      if (!table->contains(key)) (*table)[key] = EmptyTally();
      (*table)[key]["requests"] = (*table)[key]["requests"].get<uint64_t>() + 1;
      (*table)[key][r.outcome] = (*table)[key].value(r.outcome, 0) + 1;
    }
    notices[r.notice] = notices.value(r.notice, 0) + 1;
    records += r.records;
    accounts += r.accounts;
    if (r.records > 0) subjects.insert(r.subject_index);
  }
  return {
      {"format", kTransparencyReportFormat},
      {"period", {{"from", FormatRfc3339(period.from_ms)}, {"to", FormatRfc3339(period.to_ms)}}},
      {"log", {{"origin", log_origin}, {"size", log_size}}},
      {"requests", requests.size()},
      {"by_outcome", by_outcome},
      {"by_country", by_country},
      {"by_legal_basis", by_basis},
      {"records_disclosed", records},
      {"accounts_affected", accounts},
      {"subjects_affected", subjects.size()},
      {"customer_notice", notices}};
}

std::string TransparencyReportTable(const nlohmann::json& report) {
  std::ostringstream out;
  out << "Transparency report " << report["period"]["from"].get<std::string>() << " … "
      << report["period"]["to"].get<std::string>() << " (audit log "
      << report["log"]["origin"].get<std::string>() << ", " << report["log"]["size"]
      << " entries)\n\n";
  auto table = [&](const char* title, const nlohmann::json& rows) {
    out << title << "\n";
    char line[200];
    std::snprintf(line, sizeof line, "  %-24s %8s %8s %8s %8s %8s %8s\n", "", "requests", "pending",
                  "approved", "rejected", "disclosd", "partial");
    out << line;
    for (const auto& [key, t] : rows.items()) {
      std::snprintf(line, sizeof line, "  %-24.24s %8llu %8llu %8llu %8llu %8llu %8llu\n",
                    key.c_str(), static_cast<unsigned long long>(t["requests"].get<uint64_t>()),
                    static_cast<unsigned long long>(t["pending"].get<uint64_t>()),
                    static_cast<unsigned long long>(t["approved"].get<uint64_t>()),
                    static_cast<unsigned long long>(t["rejected"].get<uint64_t>()),
                    static_cast<unsigned long long>(t["disclosed"].get<uint64_t>()),
                    static_cast<unsigned long long>(t["partially_disclosed"].get<uint64_t>()));
      out << line;
    }
    out << "\n";
  };
  table("By country", report["by_country"]);
  table("By legal basis", report["by_legal_basis"]);
  out << "Requests: " << report["requests"]
      << "   records disclosed: " << report["records_disclosed"]
      << "   accounts affected: " << report["accounts_affected"]
      << "   subjects affected: " << report["subjects_affected"] << "\n"
      << "Customer notice: notified " << report["customer_notice"]["notified"] << ", deferred "
      << report["customer_notice"]["deferred"] << ", none " << report["customer_notice"]["none"]
      << "\n";
  return out.str();
}

}  // namespace mailrelay::compliance
