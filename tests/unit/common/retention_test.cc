// common/retention.h: parsing and validating policy/retention.json and policy/dpa.json, the
// DPA check (file, pointer and limit in every refusal), expiry computation.
#include "common/retention.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "common/embedded_policy.h"

namespace mailrelay {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

DpaLimits Dpa() {
  auto d = ParseDpa(json::parse(R"({
    "max_lifetimes_days": {"record": 30, "fields": {"server_response": 7, "sender_ip": 7}},
    "allowed_regions": ["us", "eu", "ap"],
    "breach_notification_hours": 72,
    "processing_purposes": ["delivering mail to the customer's endpoint"],
    "law_enforcement": {"handling": "lawful requests only", "reporting": "yearly"}
  })"),
                    "dpa.json");
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  return *d;
}

RetentionPolicy Policy(const std::string& text) {
  auto p = ParseRetention(json::parse(text), "retention.json");
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? *p : RetentionPolicy{};
}

TEST(RetentionTest, RegionOverlaysTheDefault) {
  RetentionPolicy p = Policy(R"({
    "default": {"record_days": 30, "fields": {"server_response": 7, "sender_ip": 7}},
    "regions": {"eu": {"record_days": 14, "fields": {"sender_ip": 2}}}
  })");
  Lifetimes eu = p.For("eu");
  EXPECT_EQ(eu.record_days, 14);
  EXPECT_EQ(eu.field_days.at("sender_ip"), 2);
  EXPECT_EQ(eu.field_days.at("server_response"), 7);
  Lifetimes us = p.For("us");
  EXPECT_EQ(us.record_days, 30);
  EXPECT_EQ(us.field_days.at("sender_ip"), 7);
  EXPECT_TRUE(CheckAgainstDpa(p, Dpa()).ok());
}

TEST(RetentionTest, ExpiryFromReceivedTimeSkipsFieldsThatOutliveTheRecord) {
  RetentionPolicy p = Policy(R"({
    "default": {"record_days": 5, "fields": {"server_response": 7, "sender_ip": 1}}
  })");
  RecordExpiry e = p.ExpiryFor("ap", 1000);
  EXPECT_EQ(e.record_ms, 1000 + 5 * kMsPerDay);
  ASSERT_EQ(e.fields_ms.size(), 1u);
  EXPECT_EQ(e.fields_ms.at("sender_ip"), 1000 + kMsPerDay);
}

TEST(RetentionTest, PartitionRoundingEndsARecordAtTheSpanBoundaryBeforeItsLifetime) {
  RetentionPolicy p = Policy(R"({
    "default": {"record_days": 5, "fields": {"sender_ip": 1}}
  })");
  p.expiry_round_days = 2;
  const int64_t received = 10 * kMsPerDay + 3600'000;  // day 10, 01:00
  RecordExpiry e = p.ExpiryFor("us", received);
  EXPECT_EQ(e.record_ms, 14 * kMsPerDay);  // day 15 01:00 rounded down to a multiple of 2 days
  EXPECT_EQ(e.fields_ms.at("sender_ip"), received + kMsPerDay);  // fields stay exact
  // On a boundary already: unchanged.
  EXPECT_EQ(p.ExpiryFor("us", 9 * kMsPerDay).record_ms, 14 * kMsPerDay);
  // A field the rounding makes outlive its record goes with the record.
  p.default_lifetimes.field_days["sender_ip"] = 4;
  EXPECT_EQ(p.ExpiryFor("us", received).fields_ms.count("sender_ip"), 0u);
}

TEST(RetentionTest, SchemaViolationsNameFileAndPointer) {
  struct Case {
    const char* doc;
    const char* pointer;
  } cases[] = {
      {R"({"regions": {}})", "/"},
      {R"({"default": {"record_days": 0}})", "/default"},
      {R"({"default": {"record_days": 30, "fields": {"sender_ipp": 7}}})", "/default"},
      {R"({"default": {"record_days": 30}, "regions": {"eu": {"record_days": "30"}}})",
       "/regions/eu/record_days"},
      {R"({"default": {"record_days": 30}, "regions": {"eu": {"fields": {"subject": -1}}}})",
       "/regions/eu/fields/subject"},
  };
  for (const Case& c : cases) {
    auto p = ParseRetention(json::parse(c.doc), "policy/retention.json");
    ASSERT_FALSE(p.ok()) << c.doc;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(p.status().message(), HasSubstr("policy/retention.json")) << c.doc;
    EXPECT_THAT(p.status().message(), HasSubstr(c.pointer)) << p.status().message();
  }
}

TEST(RetentionTest, ARecordLifetimeBeyondTheDpaIsRefused) {
  RetentionPolicy p = Policy(R"({
    "default": {"record_days": 30, "fields": {"server_response": 7, "sender_ip": 7}},
    "regions": {"eu": {"record_days": 31}}
  })");
  Status s = CheckAgainstDpa(p, Dpa());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("retention.json: at /regions/eu/record_days"));
  EXPECT_THAT(s.message(), HasSubstr("31 days"));
  EXPECT_THAT(s.message(), HasSubstr("limit of 30 days"));
  EXPECT_THAT(s.message(), HasSubstr("dpa.json /max_lifetimes_days/record"));
}

TEST(RetentionTest, AFieldLifetimeBeyondTheDpaIsRefused) {
  RetentionPolicy p = Policy(R"({
    "default": {"record_days": 30, "fields": {"server_response": 7, "sender_ip": 7}},
    "regions": {"ap": {"fields": {"sender_ip": 8}}}
  })");
  Status s = CheckAgainstDpa(p, Dpa());
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("at /regions/ap/fields/sender_ip"));
  EXPECT_THAT(s.message(), HasSubstr("limit of 7 days"));
  EXPECT_THAT(s.message(), HasSubstr("/max_lifetimes_days/fields/sender_ip"));
}

TEST(RetentionTest, AFieldWithoutALifetimeLivesAsLongAsItsRecordAndIsCheckedSo) {
  RetentionPolicy p = Policy(R"({"default": {"record_days": 30, "fields": {"sender_ip": 7}}})");
  Status s = CheckAgainstDpa(p, Dpa());
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("at /default/record_days"));
  EXPECT_THAT(s.message(), HasSubstr("server_response lives as long as its record (30 days)"));
  EXPECT_THAT(s.message(), HasSubstr("limit of 7 days"));
  // A record shorter than the field limit needs no field lifetime.
  EXPECT_TRUE(CheckAgainstDpa(Policy(R"({"default": {"record_days": 7}})"), Dpa()).ok());
}

TEST(RetentionTest, ARegionTheDpaDoesNotAllowIsRefused) {
  RetentionPolicy p = Policy(R"({
    "default": {"record_days": 7},
    "regions": {"cn": {"record_days": 1}}
  })");
  Status s = CheckAgainstDpa(p, Dpa());
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("at /regions/cn"));
  EXPECT_THAT(s.message(), HasSubstr("/allowed_regions"));
}

TEST(RetentionTest, DpaSchemaViolationsAreRefused) {
  auto d = ParseDpa(json::parse(R"({"max_lifetimes_days": {"record": "30"},
      "allowed_regions": ["us"], "breach_notification_hours": 72,
      "law_enforcement": {"handling": "x", "reporting": "y"}})"),
                    "policy/dpa.json");
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.status().message(), HasSubstr("policy/dpa.json"));
  EXPECT_THAT(d.status().message(), HasSubstr("/max_lifetimes_days/record"));
}

TEST(RetentionTest, TheShippedPolicyIsValidAndWithinTheShippedDpa) {
  auto ret = ParseRetention(json::parse(BuiltinRetentionText()), "policy/retention.json");
  ASSERT_TRUE(ret.ok()) << ret.status().ToString();
  auto dpa = ParseDpa(json::parse(BuiltinDpaText()), "policy/dpa.json");
  ASSERT_TRUE(dpa.ok()) << dpa.status().ToString();
  EXPECT_TRUE(CheckAgainstDpa(*ret, *dpa).ok());
}

class LoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "mailrelay-retention-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
  }
  std::string dir_;
};

TEST_F(LoadTest, MissingFilesFallBackToTheBuiltInPolicy) {
  auto p = LoadRetentionPolicy(dir_);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->For("eu").record_days, 30);
  EXPECT_THAT(p->source, HasSubstr("built-in"));
}

TEST_F(LoadTest, AFileBeyondTheDpaIsRefusedNamingItsPath) {
  Write("retention.json", R"({"default": {"record_days": 90, "fields": {"server_response": 7,
                              "sender_ip": 7}}})");
  auto p = LoadRetentionPolicy(dir_);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(p.status().message(), HasSubstr(dir_ + "/retention.json: at /default/record_days"));
  EXPECT_THAT(p.status().message(), HasSubstr("limit of 30 days"));
}

TEST_F(LoadTest, AStricterDpaFileRefusesTheBuiltInRetention) {
  Write("dpa.json", R"({"max_lifetimes_days": {"record": 10}, "allowed_regions": ["us"],
      "breach_notification_hours": 72, "processing_purposes": ["delivery"],
      "law_enforcement": {"handling": "x", "reporting": "y"}})");
  auto p = LoadRetentionPolicy(dir_);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(p.status().message(), HasSubstr(dir_ + "/dpa.json"));
}

TEST_F(LoadTest, BrokenJsonIsRefusedNamingTheFile) {
  Write("retention.json", "{\"default\": ");
  auto p = LoadRetentionPolicy(dir_);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr(dir_ + "/retention.json"));
}

}  // namespace
}  // namespace mailrelay
