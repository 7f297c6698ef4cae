// compliance/transparency_report.h — the transparency report, computed from audit entries alone
// (the lea.* transitions), so an auditor recomputes it from an export (audit/verify/report.py).
// Pure: the caller reads the entries.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "auditlog/entry.h"

namespace mailrelay::compliance {

inline constexpr char kTransparencyReportFormat[] = "mailrelay.transparency-report.v1";

struct ReportPeriod {
  int64_t from_ms = 0;  // requests opened at or after
  int64_t to_ms = 0;    // and before this time
};

// Returns the report (schemas/transparency-report.schema.json) over `entries` — the first
// `log_size` entries of the log `log_origin`, in index order. Requests count when their
// lea.open entry falls in `period`; their outcome is the one the whole of `entries` shows.
nlohmann::json BuildTransparencyReport(const std::vector<auditlog::Entry>& entries,
                                       const ReportPeriod& period, const std::string& log_origin,
                                       uint64_t log_size);

// Returns the report as a table for a terminal.
std::string TransparencyReportTable(const nlohmann::json& report);

}  // namespace mailrelay::compliance
