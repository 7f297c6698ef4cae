// Tests for common/config_retention.h: the config's own lifetimes shorten the policy's (per
// region, field by field) and are refused, with file, pointer and limit, when they would not.
#include "common/config_retention.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mailrelay {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

// The built-in policy: default record 30 days, server_response and sender_ip 7; eu's subject
// 14. The DPA: record 30, server_response and sender_ip 7.
PolicySet BuiltinPolicy() {
  auto p = LoadPolicySet("");
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return *p;
}

Config WithRetention(json retention) {
  auto c = ConfigFromJson({{"retention", retention}}, "c.json", ".");
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return *c;
}

TEST(ConfigRetentionTest, NoConfigLifetimesLeaveThePolicyAsItIs) {
  PolicySet p = BuiltinPolicy();
  const RetentionPolicy before = p.retention_policy;
  ASSERT_TRUE(ApplyConfigRetention(WithRetention(json::object()), p).ok());
  for (const char* region : {"us", "eu", "ap"}) {
    RecordExpiry was = before.ExpiryFor(region, 0), now = p.retention_policy.ExpiryFor(region, 0);
    EXPECT_EQ(now.record_ms, was.record_ms) << region;
    EXPECT_EQ(now.fields_ms, was.fields_ms) << region;
  }
}

TEST(ConfigRetentionTest, TheDefaultShortensEveryRegionAndKeepsShorterFields) {
  PolicySet p = BuiltinPolicy();
  ASSERT_TRUE(ApplyConfigRetention(WithRetention({{"default", {{"record_days", 10}}}}), p).ok());
  for (const char* region : {"us", "eu", "ap"}) {
    RecordExpiry e = p.retention_policy.ExpiryFor(region, 0);
    EXPECT_EQ(e.record_ms, 10 * kMsPerDay) << region;
    EXPECT_EQ(e.fields_ms.at("sender_ip"), 7 * kMsPerDay) << region;
    EXPECT_EQ(e.fields_ms.count("subject"), 0u) << region;  // eu's 14 days outlive the record
  }
}

TEST(ConfigRetentionTest, ARegionEntryOverridesTheConfigDefaultFieldByField) {
  PolicySet p = BuiltinPolicy();
  json r = {{"default", {{"fields", {{"subject", 20}, {"sender", 25}}}}},
            {"regions", {{"eu", {{"fields", {{"sender", 2}}}}}}}};
  ASSERT_TRUE(ApplyConfigRetention(WithRetention(r), p).ok());
  RecordExpiry eu = p.retention_policy.ExpiryFor("eu", 0);
  EXPECT_EQ(eu.record_ms, 30 * kMsPerDay);
  EXPECT_EQ(eu.fields_ms.at("subject"), 14 * kMsPerDay);  // the policy's 14 beats the config's 20
  EXPECT_EQ(eu.fields_ms.at("sender"), 2 * kMsPerDay);
  RecordExpiry us = p.retention_policy.ExpiryFor("us", 0);
  EXPECT_EQ(us.fields_ms.at("subject"), 20 * kMsPerDay);
  EXPECT_EQ(us.fields_ms.at("sender"), 25 * kMsPerDay);
  EXPECT_EQ(us.fields_ms.at("server_response"), 7 * kMsPerDay);
}

TEST(ConfigRetentionTest, ALifetimeBeyondTheDpaIsRefusedNamingTheLimit) {
  PolicySet p = BuiltinPolicy();
  Status s = ApplyConfigRetention(WithRetention({{"default", {{"record_days", 40}}}}), p);
  ASSERT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("c.json: at /retention/default/record_days: record lifetime "
                                     "40 days exceeds the DPA limit of 30 days"));
  EXPECT_THAT(s.message(), HasSubstr("dpa.json> /max_lifetimes_days/record"));

  s = ApplyConfigRetention(WithRetention({{"regions", {{"ap", {{"fields", {{"sender_ip", 8}}}}}}}}),
                           p);
  EXPECT_THAT(s.message(), HasSubstr("at /retention/regions/ap/fields/sender_ip: sender_ip "
                                     "lifetime 8 days exceeds the DPA limit of 7 days"));
  EXPECT_THAT(s.message(), HasSubstr("/max_lifetimes_days/fields/sender_ip"));
}

TEST(ConfigRetentionTest, ALifetimeLongerThanThePolicysIsRefusedNamingIt) {
  PolicySet p = BuiltinPolicy();
  Status s = ApplyConfigRetention(
      WithRetention({{"regions", {{"eu", {{"fields", {{"subject", 20}}}}}}}}), p);
  ASSERT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("at /retention/regions/eu/fields/subject: subject lifetime "
                                     "20 days is longer than the policy keeps it (14 days"));
  EXPECT_THAT(s.message(), HasSubstr("retention.json> /regions/eu/fields/subject"));
  EXPECT_THAT(s.message(), HasSubstr("the config may only shorten lifetimes"));
}

TEST(ConfigRetentionTest, PartitionsRoundExpiriesDownToTheirEnds) {
  PolicySet p = BuiltinPolicy();
  ASSERT_TRUE(ApplyConfigRetention(WithRetention({{"partition_days", 1}}), p).ok());
  EXPECT_EQ(p.retention_policy.expiry_round_days, 1);
  EXPECT_EQ(p.retention_policy.ExpiryFor("us", kMsPerDay + 1).record_ms, 31 * kMsPerDay);
}

TEST(ConfigRetentionTest, PartitionsAsLongAsARecordLifetimeAreRefused) {
  PolicySet p = BuiltinPolicy();
  Status s = ApplyConfigRetention(
      WithRetention({{"partition_days", 10}, {"regions", {{"ap", {{"record_days", 10}}}}}}), p);
  ASSERT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("c.json: at /retention/partition_days: partitions of 10 days "
                                     "are not shorter than region ap's record lifetime of 10 "
                                     "days"));
  EXPECT_THAT(s.message(), HasSubstr("use at most 9"));
}

TEST(ConfigRetentionTest, AnUnlistedRegionIsRefused) {
  PolicySet p = BuiltinPolicy();
  Status s = ApplyConfigRetention(WithRetention({{"regions", {{"ca", {{"record_days", 5}}}}}}), p);
  ASSERT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("c.json: at /retention/regions/ca: region \"ca\" is not "
                                     "listed in"));
}

TEST(ConfigRetentionTest, TheSchemaRefusesAZeroOrUnknownField) {
  EXPECT_FALSE(
      ConfigFromJson({{"retention", {{"default", {{"record_days", 0}}}}}}, "c.json", ".").ok());
  auto c =
      ConfigFromJson({{"retention", {{"default", {{"fields", {{"body", 1}}}}}}}}, "c.json", ".");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("/retention/default/fields"));
}

}  // namespace
}  // namespace mailrelay
