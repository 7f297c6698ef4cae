// The transparency report (compliance/transparency_report.h), computed from audit entries only.
#include "compliance/transparency_report.h"

#include <gtest/gtest.h>

#include "common/time_format.h"

namespace mailrelay::compliance {
namespace {

auditlog::Entry E(uint64_t index, const std::string& time, const std::string& action,
                  nlohmann::json details) {
  return {index, time, "cli:ann", action, std::move(details)};
}

nlohmann::json Open(const std::string& id, const std::string& country, const std::string& basis,
                    const std::string& subject) {
  return {{"request", id},        {"country", country},
          {"legal_basis", basis}, {"subject_index", subject},
          {"authority", "x"},     {"reference", "r"}};
}

TEST(TransparencyReportTest, CountsByCountryBasisAndOutcome) {
  std::vector<auditlog::Entry> log = {
      E(0, "2026-01-10T00:00:00.000Z", "service.start", nlohmann::json::object()),
      E(1, "2026-01-11T00:00:00.000Z", "lea.open", Open("a", "DE", "StPO", "s1")),
      E(2, "2026-01-12T00:00:00.000Z", "lea.open", Open("b", "DE", "StPO", "s2")),
      E(3, "2026-01-13T00:00:00.000Z", "lea.open", Open("c", "US", "SCA", "s1")),
      E(4, "2026-01-14T00:00:00.000Z", "lea.open", Open("d", "FR", "CPP", "s3")),
      E(5, "2026-01-15T00:00:00.000Z", "lea.decide", {{"request", "a"}, {"decision", "approved"}}),
      E(6, "2026-01-15T00:00:00.000Z", "lea.decide", {{"request", "b"}, {"decision", "rejected"}}),
      E(7, "2026-01-15T00:00:00.000Z", "lea.decide", {{"request", "c"}, {"decision", "approved"}}),
      E(8, "2026-01-16T00:00:00.000Z", "lea.disclose",
        {{"request", "a"}, {"records", 7}, {"accounts", 1}, {"outcome", "disclosed"}}),
      E(9, "2026-01-16T00:00:00.000Z", "lea.disclose",
        {{"request", "c"}, {"records", 2}, {"accounts", 2}, {"outcome", "partially_disclosed"}}),
      E(10, "2026-01-17T00:00:00.000Z", "lea.notify", {{"request", "a"}, {"notice", "deferred"}}),
      E(11, "2026-01-18T00:00:00.000Z", "lea.notify", {{"request", "b"}, {"notice", "notified"}}),
      // Opened after the period: not counted, nor are its transitions.
      E(12, "2026-03-01T00:00:00.000Z", "lea.open", Open("e", "DE", "StPO", "s9")),
      E(13, "2026-03-02T00:00:00.000Z", "lea.decide", {{"request", "e"}, {"decision", "rejected"}}),
  };
  ReportPeriod period{*ParseTimeMs("2026-01-01"), *ParseTimeMs("2026-02-01")};
  nlohmann::json r = BuildTransparencyReport(log, period, "mailrelay.audit/x", 14);
  EXPECT_EQ(r["requests"], 4);
  EXPECT_EQ(r["by_outcome"]["disclosed"], 1);
  EXPECT_EQ(r["by_outcome"]["partially_disclosed"], 1);
  EXPECT_EQ(r["by_outcome"]["rejected"], 1);
  EXPECT_EQ(r["by_outcome"]["pending"], 1);
  EXPECT_EQ(r["by_country"]["DE"]["requests"], 2);
  EXPECT_EQ(r["by_country"]["DE"]["rejected"], 1);
  EXPECT_EQ(r["by_country"]["US"]["partially_disclosed"], 1);
  EXPECT_EQ(r["by_legal_basis"]["CPP"]["pending"], 1);
  EXPECT_EQ(r["records_disclosed"], 9);
  EXPECT_EQ(r["accounts_affected"], 3);
  EXPECT_EQ(r["subjects_affected"], 1);  // s1 twice
  EXPECT_EQ(r["customer_notice"]["deferred"], 1);
  EXPECT_EQ(r["customer_notice"]["notified"], 1);
  EXPECT_EQ(r["customer_notice"]["none"], 2);
  EXPECT_EQ(r["log"]["size"], 14);
  EXPECT_EQ(r["period"]["from"], "2026-01-01T00:00:00.000Z");
  EXPECT_FALSE(TransparencyReportTable(r).empty());
}

TEST(TransparencyReportTest, EmptyPeriodHasZeroCounts) {
  nlohmann::json r = BuildTransparencyReport({}, {0, 1}, "o", 0);
  EXPECT_EQ(r["requests"], 0);
  EXPECT_EQ(r["records_disclosed"], 0);
  EXPECT_TRUE(r["by_country"].empty());
}

}  // namespace
}  // namespace mailrelay::compliance
