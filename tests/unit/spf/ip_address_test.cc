// tests/unit/spf/ip_address_test.cc — parsing and prefix matching at the bit edges.
#include "spf/ip_address.h"

#include <gtest/gtest.h>

namespace mailrelay::spf {
namespace {

IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }

TEST(IpAddressTest, ParsesBothFamiliesAndMapsMappedToV4) {
  EXPECT_FALSE(Ip("192.0.2.1").is_v6());
  EXPECT_TRUE(Ip("2001:db8::1").is_v6());
  EXPECT_EQ(Ip("::ffff:192.0.2.1"), Ip("192.0.2.1"));
  EXPECT_FALSE(IpAddress::Parse("192.0.2").has_value());
  EXPECT_FALSE(IpAddress::Parse("host.example").has_value());
  EXPECT_FALSE(IpAddress::Parse("").has_value());
}

TEST(IpAddressTest, PrefixMatchAtEveryBitEdge) {
  EXPECT_TRUE(Ip("192.0.2.129").InPrefix(Ip("192.0.2.128"), 25));
  EXPECT_FALSE(Ip("192.0.2.127").InPrefix(Ip("192.0.2.128"), 25));
  EXPECT_TRUE(Ip("10.1.2.3").InPrefix(Ip("10.0.0.0"), 8));
  EXPECT_FALSE(Ip("11.1.2.3").InPrefix(Ip("10.0.0.0"), 8));
  EXPECT_TRUE(Ip("1.2.3.4").InPrefix(Ip("200.0.0.0"), 0));
  EXPECT_FALSE(Ip("1.2.3.4").InPrefix(Ip("1.2.3.5"), 32));
  EXPECT_FALSE(Ip("1.2.3.4").InPrefix(Ip("1.2.3.4"), 33));
  EXPECT_TRUE(Ip("2001:db8::1").InPrefix(Ip("2001:db8::"), 64));
  EXPECT_FALSE(Ip("2001:db9::1").InPrefix(Ip("2001:db8::"), 32));
  EXPECT_TRUE(Ip("2001:db9::1").InPrefix(Ip("2001:db8::"), 31));
  EXPECT_FALSE(Ip("192.0.2.1").InPrefix(Ip("::"), 0));  // families never mix
}

TEST(IpAddressTest, MacroForms) {
  EXPECT_EQ(Ip("192.0.2.3").MacroForm(), "192.0.2.3");
  EXPECT_EQ(Ip("2001:db8::cb01").MacroForm(),
            "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1");
  EXPECT_EQ(Ip("2001:db8::cb01").MacroVersion(), "ip6");
  EXPECT_EQ(Ip("192.0.2.3").MacroVersion(), "in-addr");
}

}  // namespace
}  // namespace mailrelay::spf
