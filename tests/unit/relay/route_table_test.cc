#include "relay/route_table.h"

#include <gtest/gtest.h>

namespace mailrelay::relay {
namespace {

RouteConfig R(std::string id, std::vector<std::string> match) {
  RouteConfig r;
  r.id = std::move(id);
  r.match = std::move(match);
  return r;
}

TEST(RouteTableTest, PatternStrengths) {
  EXPECT_EQ(MatchStrength("a@x.test", "a@x.test"), 4);
  EXPECT_EQ(MatchStrength("a+*@x.test", "a@x.test"), 3);
  EXPECT_EQ(MatchStrength("a+*@x.test", "a+tag@x.test"), 3);
  EXPECT_EQ(MatchStrength("a+*@x.test", "ab@x.test"), 0);
  EXPECT_EQ(MatchStrength("a+*@x.test", "a+@x.test"), 0);
  EXPECT_EQ(MatchStrength("*@x.test", "anyone@x.test"), 2);
  EXPECT_EQ(MatchStrength("*@x.test", "anyone@y.test"), 0);
  EXPECT_EQ(MatchStrength("*@x.test", "anyone@sub.x.test"), 0);
  EXPECT_EQ(MatchStrength("*", "anyone@anywhere.test"), 1);
  EXPECT_EQ(MatchStrength("*@*", "anyone@anywhere.test"), 1);
}

TEST(RouteTableTest, MatchingIgnoresCase) {
  EXPECT_EQ(MatchStrength("Sales@X.Test", "sales@x.TEST"), 4);
}

TEST(RouteTableTest, MostSpecificRouteWinsRegardlessOfOrder) {
  RouteTable t({R("all", {"*"}), R("dom", {"*@x.test"}), R("plus", {"a+*@x.test"}),
                R("exact", {"a+vip@x.test"})});
  EXPECT_EQ(t.Match("a+vip@x.test")->id, "exact");
  EXPECT_EQ(t.Match("a+other@x.test")->id, "plus");
  EXPECT_EQ(t.Match("b@x.test")->id, "dom");
  EXPECT_EQ(t.Match("b@y.test")->id, "all");
}

TEST(RouteTableTest, FirstOfEqualStrengthWins) {
  RouteTable t({R("one", {"*@x.test"}), R("two", {"*@x.test"})});
  EXPECT_EQ(t.Match("b@x.test")->id, "one");
}

TEST(RouteTableTest, NoRouteIsNull) {
  RouteTable t({R("dom", {"*@x.test"})});
  EXPECT_EQ(t.Match("b@y.test"), nullptr);
  EXPECT_EQ(t.Match("postmaster"), nullptr);
  EXPECT_EQ(t.Find("dom")->id, "dom");
  EXPECT_EQ(t.Find("nope"), nullptr);
}

}  // namespace
}  // namespace mailrelay::relay
