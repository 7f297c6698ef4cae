// tests/unit/spf/macro_test.cc — macro expansion, with the examples of RFC 7208 §7.4.
#include "spf/macro.h"

#include <gtest/gtest.h>

namespace mailrelay::spf {
namespace {

MacroContext Rfc74(const char* ip = "192.0.2.3") {
  MacroContext c;
  c.sender = "strong-bad@email.example.com";
  c.local = "strong-bad";
  c.sender_domain = "email.example.com";
  c.domain = "email.example.com";
  c.ip = *IpAddress::Parse(ip);
  c.helo = "mx.example.org";
  return c;
}

std::string Expand(std::string_view spec, const MacroContext& c = Rfc74()) {
  StatusOr<std::string> s = ExpandMacroString(spec, c);
  return s.ok() ? *s : "ERROR: " + s.status().message();
}

TEST(MacroTest, Rfc7208Section74Examples) {
  const std::pair<const char*, const char*> kExamples[] = {
      {"%{s}", "strong-bad@email.example.com"},
      {"%{o}", "email.example.com"},
      {"%{d}", "email.example.com"},
      {"%{d4}", "email.example.com"},
      {"%{d3}", "email.example.com"},
      {"%{d2}", "example.com"},
      {"%{d1}", "com"},
      {"%{dr}", "com.example.email"},
      {"%{d2r}", "example.email"},
      {"%{l}", "strong-bad"},
      {"%{l-}", "strong.bad"},
      {"%{lr}", "strong-bad"},
      {"%{lr-}", "bad.strong"},
      {"%{l1r-}", "strong"},
      {"%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"},
      {"%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"},
      {"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"},
      {"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"},
      {"%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"},
  };
  for (const auto& [spec, want] : kExamples) EXPECT_EQ(Expand(spec), want) << spec;
}

TEST(MacroTest, Rfc7208Section74Ipv6Example) {
  EXPECT_EQ(Expand("%{ir}.%{v}._spf.%{d2}", Rfc74("2001:db8::cb01")),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
}

TEST(MacroTest, EscapesAndOtherLetters) {
  EXPECT_EQ(Expand("a%%b%_c%-d"), "a%b c%20d");
  EXPECT_EQ(Expand("%{h}"), "mx.example.org");
  EXPECT_EQ(Expand("%{p}"), "unknown");
  EXPECT_EQ(Expand("%{v}"), "in-addr");
  EXPECT_EQ(Expand("%{i}"), "192.0.2.3");
  EXPECT_EQ(Expand("%{L}"), "strong-bad");
  EXPECT_EQ(Expand("%{S}"), "strong-bad%40email.example.com");  // upper case URL-escapes
}

TEST(MacroTest, MoreDigitsThanPartsKeepsAll) { EXPECT_EQ(Expand("%{d99}"), "email.example.com"); }

TEST(MacroTest, InvalidMacrosAreRejected) {
  for (const char* bad :
       {"%", "%x", "%{", "%{d", "%{}", "%{q}", "%{d0}", "%{c}", "%{t}", "%{r}", "%{d2x}", "a b"}) {
    EXPECT_FALSE(CheckMacroString(bad).ok()) << bad;
    EXPECT_FALSE(ExpandMacroString(bad, Rfc74()).ok()) << bad;
  }
  EXPECT_TRUE(CheckMacroString("%{ir}.%{v}._spf.%{d2}").ok());
}

TEST(MacroTest, LongExpansionLosesLeftLabelsDownTo253) {
  MacroContext c = Rfc74();
  c.local = std::string(60, 'a') + "." + std::string(60, 'b') + "." + std::string(60, 'c') + "." +
            std::string(60, 'd') + "." + std::string(60, 'e');
  StatusOr<std::string> d = ExpandDomainSpec("%{l}.example.com.", c);
  ASSERT_TRUE(d.ok());
  EXPECT_LE(d->size(), 253u);
  EXPECT_EQ(d->substr(0, 3), "ccc");  // 316 chars: dropping "aaa…" leaves 255, so "bbb…" goes too
  EXPECT_EQ(d->substr(d->size() - 12), ".example.com");
}

}  // namespace
}  // namespace mailrelay::spf
