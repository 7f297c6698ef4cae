// tests/unit/spf/check_host_test.cc — check_host() against a table of DNS data: each
// mechanism, qualifier, include mapping (RFC 7208 §5.2), redirect, the limits and errors.
#include "spf/check_host.h"

#include <gtest/gtest.h>

#include <cctype>
#include <ostream>

#include "fake_resolver.h"

namespace mailrelay::spf {
namespace {

struct Case {
  const char* name;
  std::map<std::string, std::vector<std::string>> txt;
  const char* ip;
  Result want;
  std::map<std::string, std::vector<std::string>> a = {};
  std::map<std::string, std::vector<std::string>> mx = {};
  std::set<std::string> failing = {};
};

// gtest shows a case by its claim, not as bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

Result EvaluateCase(const Case& c, const char* sender = "user@ex.com") {
  FakeResolver r;
  r.txt = c.txt;
  r.a = c.a;
  r.mx = c.mx;
  r.failing = c.failing;
  return CheckHost(*IpAddress::Parse(c.ip), SpfIdentityFor(sender, "helo.ex.com"), r);
}

std::vector<std::string> Spf(const std::string& text) { return {text}; }

class CheckHostTable : public ::testing::TestWithParam<Case> {};

TEST_P(CheckHostTable, GivesTheExpectedResult) {
  const Case& c = GetParam();
  EXPECT_EQ(ResultName(EvaluateCase(c)), ResultName(c.want)) << c.name;
}

// Ten DNS-mechanism "include"s of records that do not match, plus `extra`.
std::map<std::string, std::vector<std::string>> Includes(int n, const std::string& tail) {
  std::map<std::string, std::vector<std::string>> t;
  std::string rec = "v=spf1";
  for (int i = 0; i < n; ++i) {
    rec += " include:i" + std::to_string(i) + ".ex.com";
    t["i" + std::to_string(i) + ".ex.com"] = Spf("v=spf1 -all");
  }
  t["ex.com"] = Spf(rec + tail);
  return t;
}

const Case kCases[] = {
    {"no record is none", {}, "192.0.2.1", Result::kNone},
    {"non-SPF TXT only is none",
     {{"ex.com", {"google-site-verification=x", "v=spf10 +all"}}},
     "192.0.2.1",
     Result::kNone},
    {"two records is permerror",
     {{"ex.com", {"v=spf1 +all", "v=spf1 -all"}}},
     "192.0.2.1",
     Result::kPermError},
    {"record name is case-insensitive",
     {{"ex.com", Spf("V=SPF1 +ALL")}},
     "192.0.2.1",
     Result::kPass},
    {"empty record is neutral", {{"ex.com", Spf("v=spf1")}}, "192.0.2.1", Result::kNeutral},
    {"+all pass", {{"ex.com", Spf("v=spf1 +all")}}, "192.0.2.1", Result::kPass},
    {"bare all pass", {{"ex.com", Spf("v=spf1 all")}}, "192.0.2.1", Result::kPass},
    {"-all fail", {{"ex.com", Spf("v=spf1 -all")}}, "192.0.2.1", Result::kFail},
    {"~all softfail", {{"ex.com", Spf("v=spf1 ~all")}}, "192.0.2.1", Result::kSoftFail},
    {"?all neutral", {{"ex.com", Spf("v=spf1 ?all")}}, "192.0.2.1", Result::kNeutral},
    {"unknown mechanism permerror",
     {{"ex.com", Spf("v=spf1 foo:bar.com -all")}},
     "192.0.2.1",
     Result::kPermError},
    {"syntax error after a match is still permerror",
     {{"ex.com", Spf("v=spf1 +all ip4:300.1.1.1")}},
     "192.0.2.1",
     Result::kPermError},
    {"unknown modifier ignored",
     {{"ex.com", Spf("v=spf1 moo=cow.%{d} -all")}},
     "192.0.2.1",
     Result::kFail},
    {"exp ignored",
     {{"ex.com", Spf("v=spf1 exp=explain.ex.com -all")}},
     "192.0.2.1",
     Result::kFail},
    {"two redirects permerror",
     {{"ex.com", Spf("v=spf1 redirect=a.ex.com redirect=b.ex.com")}},
     "192.0.2.1",
     Result::kPermError},
    // ip4 / ip6 and CIDR edges
    {"ip4 exact", {{"ex.com", Spf("v=spf1 ip4:192.0.2.1 -all")}}, "192.0.2.1", Result::kPass},
    {"ip4 other", {{"ex.com", Spf("v=spf1 ip4:192.0.2.2 -all")}}, "192.0.2.1", Result::kFail},
    {"ip4 /24 inside",
     {{"ex.com", Spf("v=spf1 ip4:192.0.2.0/24 -all")}},
     "192.0.2.255",
     Result::kPass},
    {"ip4 /24 outside",
     {{"ex.com", Spf("v=spf1 ip4:192.0.2.0/24 -all")}},
     "192.0.3.0",
     Result::kFail},
    {"ip4 /31 edge", {{"ex.com", Spf("v=spf1 ip4:192.0.2.2/31 -all")}}, "192.0.2.3", Result::kPass},
    {"ip4 /0 matches all",
     {{"ex.com", Spf("v=spf1 ip4:0.0.0.0/0 -all")}},
     "203.0.113.9",
     Result::kPass},
    {"ip4 /33 permerror",
     {{"ex.com", Spf("v=spf1 ip4:192.0.2.0/33 -all")}},
     "192.0.2.1",
     Result::kPermError},
    {"ip4 leading-zero cidr permerror",
     {{"ex.com", Spf("v=spf1 ip4:192.0.2.0/024")}},
     "192.0.2.1",
     Result::kPermError},
    {"ip4 never matches an IPv6 client",
     {{"ex.com", Spf("v=spf1 ip4:0.0.0.0/0 -all")}},
     "2001:db8::1",
     Result::kFail},
    {"ip6 /32 inside",
     {{"ex.com", Spf("v=spf1 ip6:2001:db8::/32 -all")}},
     "2001:db8:ffff::1",
     Result::kPass},
    {"ip6 /127 edge",
     {{"ex.com", Spf("v=spf1 ip6:2001:db8::2/127 -all")}},
     "2001:db8::3",
     Result::kPass},
    {"ip6 /128 other",
     {{"ex.com", Spf("v=spf1 ip6:2001:db8::2 -all")}},
     "2001:db8::3",
     Result::kFail},
    {"ip6 /129 permerror",
     {{"ex.com", Spf("v=spf1 ip6:2001:db8::/129")}},
     "2001:db8::1",
     Result::kPermError},
    {"mapped IPv6 client is IPv4",
     {{"ex.com", Spf("v=spf1 ip4:192.0.2.0/24 -all")}},
     "::ffff:192.0.2.7",
     Result::kPass},
    {"ip4 with an IPv6 address permerror",
     {{"ex.com", Spf("v=spf1 ip4:2001:db8::1")}},
     "192.0.2.1",
     Result::kPermError},
    // a
    {"a matches",
     {{"ex.com", Spf("v=spf1 a -all")}},
     "192.0.2.10",
     Result::kPass,
     {{"ex.com", {"192.0.2.10"}}}},
    {"a with domain and cidr",
     {{"ex.com", Spf("v=spf1 a:h.ex.com/24 -all")}},
     "192.0.2.99",
     Result::kPass,
     {{"h.ex.com", {"192.0.2.10"}}}},
    {"a dual-cidr uses the v6 length for v6",
     {{"ex.com", Spf("v=spf1 a/32//64 -all")}},
     "2001:db8::99",
     Result::kPass,
     {{"ex.com", {"192.0.2.10", "2001:db8::1"}}}},
    {"a dual-cidr v4 length for v4",
     {{"ex.com", Spf("v=spf1 a/32//64 -all")}},
     "192.0.2.11",
     Result::kFail,
     {{"ex.com", {"192.0.2.10", "2001:db8::1"}}}},
    {"a only AAAA for v6 client",
     {{"ex.com", Spf("v=spf1 a -all")}},
     "2001:db8::1",
     Result::kPass,
     {{"ex.com", {"2001:db8::1"}}}},
    {"a cidr /33 permerror", {{"ex.com", Spf("v=spf1 a/33")}}, "192.0.2.1", Result::kPermError},
    // mx
    {"mx matches an exchange's address",
     {{"ex.com", Spf("v=spf1 mx -all")}},
     "192.0.2.20",
     Result::kPass,
     {{"mx2.ex.com", {"192.0.2.20"}}},
     {{"ex.com", {"mx1.ex.com", "mx2.ex.com"}}}},
    {"mx no match",
     {{"ex.com", Spf("v=spf1 mx ~all")}},
     "192.0.2.21",
     Result::kSoftFail,
     {{"mx1.ex.com", {"192.0.2.20"}}},
     {{"ex.com", {"mx1.ex.com"}}}},
    {"mx with more than 10 exchanges permerror",
     {{"ex.com", Spf("v=spf1 mx -all")}},
     "192.0.2.20",
     Result::kPermError,
     {},
     {{"ex.com",
       {"m1.x.com", "m2.x.com", "m3.x.com", "m4.x.com", "m5.x.com", "m6.x.com", "m7.x.com",
        "m8.x.com", "m9.x.com", "m10.x.com", "m11.x.com"}}}},
    // ptr is never matched (documented)
    {"ptr does not match", {{"ex.com", Spf("v=spf1 ptr -all")}}, "192.0.2.1", Result::kFail},
    // exists
    {"exists matches any A",
     {{"ex.com", Spf("v=spf1 exists:%{i}.ok.ex.com -all")}},
     "192.0.2.5",
     Result::kPass,
     {{"192.0.2.5.ok.ex.com", {"127.0.0.2"}}}},
    {"exists uses A even for an IPv6 client",
     {{"ex.com", Spf("v=spf1 exists:%{ir}.%{v}.ok.ex.com -all")}},
     "2001:db8::1",
     Result::kFail,
     {{"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.ok.ex.com",
       {"2001:db8::5"}}}},
    // include, §5.2 table
    {"include pass matches",
     {{"ex.com", Spf("v=spf1 include:in.ex.com -all")}, {"in.ex.com", Spf("v=spf1 +all")}},
     "192.0.2.1",
     Result::kPass},
    {"include fail does not match",
     {{"ex.com", Spf("v=spf1 include:in.ex.com ?all")}, {"in.ex.com", Spf("v=spf1 -all")}},
     "192.0.2.1",
     Result::kNeutral},
    {"include softfail does not match",
     {{"ex.com", Spf("v=spf1 include:in.ex.com -all")}, {"in.ex.com", Spf("v=spf1 ~all")}},
     "192.0.2.1",
     Result::kFail},
    {"include neutral does not match",
     {{"ex.com", Spf("v=spf1 include:in.ex.com -all")}, {"in.ex.com", Spf("v=spf1 ?all")}},
     "192.0.2.1",
     Result::kFail},
    {"include of no record permerror",
     {{"ex.com", Spf("v=spf1 include:in.ex.com +all")}},
     "192.0.2.1",
     Result::kPermError},
    {"include permerror propagates",
     {{"ex.com", Spf("v=spf1 include:in.ex.com +all")}, {"in.ex.com", Spf("v=spf1 bogus")}},
     "192.0.2.1",
     Result::kPermError},
    {"include temperror propagates",
     {{"ex.com", Spf("v=spf1 include:in.ex.com +all")}},
     "192.0.2.1",
     Result::kTempError,
     {},
     {},
     {"in.ex.com"}},
    {"include qualifier applies",
     {{"ex.com", Spf("v=spf1 ~include:in.ex.com -all")}, {"in.ex.com", Spf("v=spf1 +all")}},
     "192.0.2.1",
     Result::kSoftFail},
    {"include %{d} is the included domain",
     {{"ex.com", Spf("v=spf1 include:in.ex.com -all")}, {"in.ex.com", Spf("v=spf1 a:%{d} -all")}},
     "192.0.2.9",
     Result::kPass,
     {{"in.ex.com", {"192.0.2.9"}}}},
    // redirect
    {"redirect result is used",
     {{"ex.com", Spf("v=spf1 redirect=r.ex.com")}, {"r.ex.com", Spf("v=spf1 ~all")}},
     "192.0.2.1",
     Result::kSoftFail},
    {"redirect ignored after a match",
     {{"ex.com", Spf("v=spf1 ip4:192.0.2.1 redirect=r.ex.com")}, {"r.ex.com", Spf("v=spf1 -all")}},
     "192.0.2.1",
     Result::kPass},
    {"redirect before mechanisms still comes last",
     {{"ex.com", Spf("v=spf1 redirect=r.ex.com ip4:192.0.2.1")}, {"r.ex.com", Spf("v=spf1 -all")}},
     "192.0.2.1",
     Result::kPass},
    {"redirect to no record permerror",
     {{"ex.com", Spf("v=spf1 redirect=r.ex.com")}},
     "192.0.2.1",
     Result::kPermError},
    {"redirect loop hits the lookup limit",
     {{"ex.com", Spf("v=spf1 redirect=ex.com")}},
     "192.0.2.1",
     Result::kPermError},
    // DNS errors and limits
    {"TXT error temperror", {}, "192.0.2.1", Result::kTempError, {}, {}, {"ex.com"}},
    {"A error temperror",
     {{"ex.com", Spf("v=spf1 a:h.ex.com -all")}},
     "192.0.2.1",
     Result::kTempError,
     {},
     {},
     {"h.ex.com"}},
    {"MX error temperror",
     {{"ex.com", Spf("v=spf1 mx -all")}},
     "192.0.2.1",
     Result::kTempError,
     {},
     {},
     {"ex.com"}},
    {"10 DNS mechanisms allowed", Includes(10, " +all"), "192.0.2.1", Result::kPass},
    {"11th DNS mechanism permerror",
     Includes(10, " a:x.ex.com +all"),
     "192.0.2.1",
     Result::kPermError,
     {{"x.ex.com", {"192.0.2.1"}}}},
    {"ip4 and all do not count", Includes(10, " ip4:192.0.2.1 -all"), "192.0.2.1", Result::kPass},
    {"two void lookups allowed",
     {{"ex.com", Spf("v=spf1 a:v1.ex.com a:v2.ex.com +all")}},
     "192.0.2.1",
     Result::kPass},
    {"third void lookup permerror",
     {{"ex.com", Spf("v=spf1 a:v1.ex.com a:v2.ex.com mx:v3.ex.com +all")}},
     "192.0.2.1",
     Result::kPermError},
};

// Test names are the cases' claims ("include_of_no_record_is_permerror").
INSTANTIATE_TEST_SUITE_P(Rfc7208, CheckHostTable, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           std::string n;
                           for (const char* p = info.param.name; *p; ++p) {
                             n += std::isalnum(static_cast<unsigned char>(*p)) ? *p : '_';
                           }
                           return n;
                         });

TEST(CheckHostTest, NullSenderChecksTheHeloName) {
  SpfIdentity id = SpfIdentityFor("", "Mail.Ex.COM");
  EXPECT_EQ(id.domain, "mail.ex.com");
  EXPECT_EQ(id.local, "postmaster");
  FakeResolver r;
  r.txt["mail.ex.com"] = Spf("v=spf1 ip4:192.0.2.1 -all");
  EXPECT_EQ(CheckHost(*IpAddress::Parse("192.0.2.1"), id, r), Result::kPass);
}

TEST(CheckHostTest, SenderDomainIsLowerCasedMailFromDomain) {
  SpfIdentity id = SpfIdentityFor("Bob.Smith@Example.ORG", "helo.test");
  EXPECT_EQ(id.domain, "example.org");
  EXPECT_EQ(id.local, "Bob.Smith");
}

TEST(CheckHostTest, SingleLabelOrLiteralDomainIsNoneWithoutAnyLookup) {
  FakeResolver r;
  EXPECT_EQ(CheckHost(*IpAddress::Parse("192.0.2.1"), SpfIdentityFor("", "localhost"), r),
            Result::kNone);
  EXPECT_EQ(CheckHost(*IpAddress::Parse("192.0.2.1"), SpfIdentityFor("", "[192.0.2.1]"), r),
            Result::kNone);
  EXPECT_EQ(CheckHost(*IpAddress::Parse("192.0.2.1"), SpfIdentityFor("a@b..c", "h"), r),
            Result::kNone);
  EXPECT_EQ(r.queries, 0);
}

TEST(CheckHostTest, LookupLimitStopsAnIncludeLoopAfterElevenQuestions) {
  FakeResolver r;
  r.txt["ex.com"] = Spf("v=spf1 include:ex.com -all");
  EXPECT_EQ(CheckHost(*IpAddress::Parse("192.0.2.1"), SpfIdentityFor("a@ex.com", "h"), r),
            Result::kPermError);
  EXPECT_EQ(r.queries, 11);  // the first record plus ten includes
}

TEST(CheckHostTest, TargetWithAnOverlongLabelDoesNotMatchAndIsNotAsked) {
  FakeResolver r;
  r.txt["ex.com"] = Spf("v=spf1 a:%{l}.ex.com -all");
  const std::string sender = std::string(70, 'a') + "@ex.com";
  EXPECT_EQ(CheckHost(*IpAddress::Parse("192.0.2.1"), SpfIdentityFor(sender, "h"), r),
            Result::kFail);
  EXPECT_EQ(r.queries, 1);
}

TEST(CheckHostTest, LocalPartMacroUsesTheSender) {
  FakeResolver r;
  r.txt["ex.com"] = Spf("v=spf1 exists:%{l}.users.ex.com -all");
  r.a["alice.users.ex.com"] = {"127.0.0.2"};
  const auto ip = *IpAddress::Parse("192.0.2.1");
  EXPECT_EQ(CheckHost(ip, SpfIdentityFor("alice@ex.com", "h"), r), Result::kPass);
  EXPECT_EQ(CheckHost(ip, SpfIdentityFor("mallory@ex.com", "h"), r), Result::kFail);
}

}  // namespace
}  // namespace mailrelay::spf
