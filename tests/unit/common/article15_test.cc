// common/policy_set.h Article15Information: purposes, recipients, storage locations and the
// retention a data subject is told, from the shipped policy and from an edited one.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/embedded_policy.h"
#include "common/policy_set.h"

namespace mailrelay {
namespace {

using nlohmann::json;

TEST(Article15Test, TheShippedPolicyInFull) {
  auto p = LoadPolicySet("");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  json info = Article15Information(*p);
  EXPECT_EQ(info["purposes"], json::parse(BuiltinDpaText())["processing_purposes"]);
  ASSERT_EQ(info["recipients"].size(), 3u);
  EXPECT_EQ(info["recipients"][0],
            (json{{"name", "Amazon Web Services"},
                  {"purpose", "Various servers including servers, databases and storage"},
                  {"locations", {"us", "eu", "ap"}}}));
  EXPECT_EQ(info["recipients"][1]["locations"], (json{"us", "eu"}));
  EXPECT_FALSE(info["recipients"][2].contains("notes"));
  EXPECT_EQ(info["storage_locations"]["eu"], "AWS eu-west-1 (Ireland, EU)");
  EXPECT_EQ(info["storage_locations"].size(), 3u);
  // us: the default (record 30, server_response and sender_ip 7), every field listed.
  EXPECT_EQ(info["retention"]["us"], (json{{"record_days", 30},
                                           {"fields",
                                            {{"sender_ip", 7},
                                             {"message_id", 30},
                                             {"sender", 30},
                                             {"recipient", 30},
                                             {"subject", 30},
                                             {"server_response", 7}}}}));
  EXPECT_EQ(info["retention"]["eu"]["fields"]["subject"], 14);
  EXPECT_FALSE(info.contains("legal_basis_note"));
  for (const auto& key : {"purposes", "recipients", "storage_locations", "retention"}) {
    EXPECT_TRUE(info.contains(key)) << key;
  }
  EXPECT_EQ(info.size(), 4u);
}

TEST(Article15Test, RegionOverridesAndLongFieldLifetimesAreApplied) {
  PolicySet p;
  p.dpa = {{"processing_purposes", {"a"}}, {"legal_basis_note", "contract"}};
  p.subprocessors = {{"subprocessors", json::array()}};
  p.regions = {{"regions", {{{"id", "eu"}, {"name", "EU"}, {"location", "Ireland"}}}}};
  p.retention_policy.default_lifetimes.record_days = 20;
  p.retention_policy.default_lifetimes.field_days["subject"] = 40;  // longer: the record's
  p.retention_policy.region_overrides["eu"].record_days = 10;
  p.retention_policy.region_overrides["eu"].field_days["sender"] = 3;
  json info = Article15Information(p);
  EXPECT_EQ(info["legal_basis_note"], "contract");
  EXPECT_EQ(info["recipients"], json::array());
  EXPECT_EQ(info["retention"]["eu"]["record_days"], 10);
  EXPECT_EQ(info["retention"]["eu"]["fields"]["subject"], 10);
  EXPECT_EQ(info["retention"]["eu"]["fields"]["sender"], 3);
  EXPECT_EQ(info["retention"]["eu"]["fields"]["recipient"], 10);
}

}  // namespace
}  // namespace mailrelay
