// tests/unit/spf/record_test.cc — record selection and the term grammar.
#include "spf/record.h"

#include <gtest/gtest.h>

namespace mailrelay::spf {
namespace {

TEST(RecordTest, SelectsTheOneSpfRecord) {
  auto r = SelectRecord({"hello", "v=spf1 -all", "v=spf10"});
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ(**r, "v=spf1 -all");
  EXPECT_FALSE(SelectRecord({"v=spf1 a", "V=SPF1 mx"}).ok());
  auto none = SelectRecord({"v=spf1x", "spf1"});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST(RecordTest, ParsesQualifiersMechanismsAndCidrs) {
  auto r = ParseRecord(
      "v=spf1  -a:h.ex.com/24//64 ~mx//48 ?ip4:192.0.2.0/25 ip6:2001:db8::/32 "
      "include:_spf.ex.com exists:%{i}.ex.com ptr redirect=r.ex.com");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->mechanisms.size(), 7u);
  EXPECT_EQ(r->mechanisms[0].qualifier, Result::kFail);
  EXPECT_EQ(r->mechanisms[0].kind, MechanismKind::kA);
  EXPECT_EQ(r->mechanisms[0].domain_spec, "h.ex.com");
  EXPECT_EQ(r->mechanisms[0].cidr4, 24);
  EXPECT_EQ(r->mechanisms[0].cidr6, 64);
  EXPECT_EQ(r->mechanisms[1].qualifier, Result::kSoftFail);
  EXPECT_EQ(r->mechanisms[1].domain_spec, "");
  EXPECT_EQ(r->mechanisms[1].cidr4, 32);
  EXPECT_EQ(r->mechanisms[1].cidr6, 48);
  EXPECT_EQ(r->mechanisms[2].qualifier, Result::kNeutral);
  EXPECT_EQ(r->mechanisms[2].cidr4, 25);
  EXPECT_EQ(r->mechanisms[3].kind, MechanismKind::kIp6);
  EXPECT_EQ(r->mechanisms[3].cidr6, 32);
  EXPECT_EQ(r->mechanisms[4].kind, MechanismKind::kInclude);
  EXPECT_EQ(r->mechanisms[5].kind, MechanismKind::kExists);
  EXPECT_EQ(r->mechanisms[6].kind, MechanismKind::kPtr);
  EXPECT_EQ(r->redirect, "r.ex.com");
}

TEST(RecordTest, GrammarViolationsAreErrors) {
  for (const char* bad :
       {"v=spf1 include", "v=spf1 include:", "v=spf1 all:x", "v=spf1 ip4", "v=spf1 ip4:1.2.3",
        "v=spf1 ip6:1.2.3.4", "v=spf1 a/", "v=spf1 mx:ex.com/40", "v=spf1 a//129",
        "v=spf1 include:ex", "v=spf1 include:ex.123", "v=spf1 exists:%{z}.ex.com", "v=spf1 =x",
        "v=spf1 exp=a.com exp=b.com", "v=spf1 redirect=", "v=spf1 +", "v=spf1 a:-bad.ex.com-"}) {
    EXPECT_FALSE(ParseRecord(bad).ok()) << bad;
  }
}

TEST(RecordTest, MessageNamesTheTerm) {
  auto r = ParseRecord("v=spf1 ip4:10.0.0.0/40");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("ip4:10.0.0.0/40"), std::string::npos);
}

}  // namespace
}  // namespace mailrelay::spf
