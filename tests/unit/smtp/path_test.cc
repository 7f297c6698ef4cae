// tests/unit/smtp/path_test.cc — RFC 5321 4.1.2 path parsing, with RFC 6531 UTF-8.
#include "smtp/path.h"

#include <gtest/gtest.h>

namespace mailrelay::smtp {
namespace {

std::optional<std::string> Address(std::string_view in, PathOptions o = {}) {
  std::optional<ParsedPath> p = ParsePath(in, o);
  if (!p) return std::nullopt;
  return p->address;
}

TEST(PathTest, SimpleMailboxIsReturnedWithoutBrackets) {
  std::optional<ParsedPath> p = ParsePath("<a.b+c@Example.COM> SIZE=1", {});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->address, "a.b+c@Example.COM");
  EXPECT_EQ(p->consumed, 19u);
  EXPECT_FALSE(p->non_ascii);
}

TEST(PathTest, NullPathOnlyWhenAllowed) {
  EXPECT_EQ(Address("<>", {.allow_null = true}), "");
  EXPECT_EQ(Address("<>"), std::nullopt);
}

TEST(PathTest, SourceRouteIsDropped) {
  EXPECT_EQ(Address("<@r1.example,@r2.example:u@d.example>"), "u@d.example");
  EXPECT_EQ(Address("<@r1.example u@d.example>"), std::nullopt);
  EXPECT_EQ(Address("<@:u@d.example>"), std::nullopt);
}

TEST(PathTest, QuotedLocalPartIsKeptVerbatim) {
  EXPECT_EQ(Address(R"(<"john doe"@d.example>)"), R"("john doe"@d.example)");
  EXPECT_EQ(Address(R"(<"a\"b>@c"@d.example>)"), R"("a\"b>@c"@d.example)");
  EXPECT_EQ(Address(R"(<"unterminated@d.example>)"), std::nullopt);
}

TEST(PathTest, AddressLiteralsAreAccepted) {
  EXPECT_EQ(Address("<u@[192.0.2.1]>"), "u@[192.0.2.1]");
  EXPECT_EQ(Address("<u@[IPv6:2001:db8::1]>"), "u@[IPv6:2001:db8::1]");
  EXPECT_EQ(Address("<u@[x-tag:stuff]>"), "u@[x-tag:stuff]");
  EXPECT_EQ(Address("<u@[300.0.2.1]>"), std::nullopt);
  EXPECT_EQ(Address("<u@[1.2.3]>"), std::nullopt);
}

TEST(PathTest, MalformedPathsAreRejected) {
  for (std::string_view bad :
       {"u@d.example", "<u@d.example", "<u@>", "<@d.example>", "<u@-d.example>", "<u@d-.example>",
        "<u@d..example>", "<u@d.example.>", "<.u@d.example>", "<u.@d.example>", "<u..v@d.example>",
        "<u v@d.example>", "<u@d_x.example>", "<u@d.example >", "<u@@d.example>"}) {
    EXPECT_EQ(Address(bad, {.allow_null = true}), std::nullopt) << bad;
  }
}

TEST(PathTest, PostmasterWithoutDomainOnlyWhenAllowed) {
  EXPECT_EQ(Address("<Postmaster>", {.allow_postmaster = true}), "Postmaster");
  EXPECT_EQ(Address("<Postmaster>"), std::nullopt);
  EXPECT_EQ(Address("<someone>", {.allow_postmaster = true}), std::nullopt);
}

TEST(PathTest, LabelOver63OctetsIsRejected) {
  std::string label(64, 'a');
  EXPECT_EQ(Address("<u@" + label + ".example>"), std::nullopt);
  EXPECT_TRUE(Address("<u@" + label.substr(1) + ".example>"));
}

TEST(PathTest, Utf8AddressIsFlaggedNonAscii) {
  std::optional<ParsedPath> p = ParsePath("<jörg@bücher.example>", {});
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->non_ascii);
}

TEST(PathTest, MalformedUtf8IsRejected) {
  EXPECT_EQ(Address("<j\xC3@d.example>"), std::nullopt);
  EXPECT_EQ(Address("<j\xC0\xAF@d.example>"), std::nullopt);  // overlong '/'
}

TEST(PathTest, Utf8ValidatorRejectsSurrogatesAndOverlongs) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("\xE2\x82\xAC"));       // U+20AC
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x98\x80"));   // U+1F600
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // U+D800 surrogate
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\x80"));
}

}  // namespace
}  // namespace mailrelay::smtp
