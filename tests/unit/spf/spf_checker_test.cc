// tests/unit/spf/spf_checker_test.cc — the relay's entry point without DNS: disabled checks and
// peers without an address report none but still name the domain.
#include "spf/spf_checker.h"

#include <gtest/gtest.h>

namespace mailrelay::spf {
namespace {

TEST(SpfCheckerTest, DisabledGivesNoneWithTheMailFromDomainAndAsksNothing) {
  SpfChecker checker(SpfCheckerOptions{});
  SpfVerdict v = checker.Check("192.0.2.1", "someone@Example.ORG", "helo.example.net");
  EXPECT_EQ(v.result, Result::kNone);
  EXPECT_EQ(v.domain, "example.org");
  EXPECT_EQ(v.queries, 0);
}

TEST(SpfCheckerTest, NullSenderReportsTheHeloDomain) {
  SpfChecker checker(SpfCheckerOptions{});
  EXPECT_EQ(checker.Check("192.0.2.1", "", "mx.example.net").domain, "mx.example.net");
}

TEST(SpfCheckerTest, EnabledWithoutAPeerAddressGivesNoneWithoutDns) {
  SpfCheckerOptions o;
  o.enabled = true;
  o.nameserver = {"127.0.0.1", 9};  // would be refused if it were asked
  SpfChecker checker(o);
  SpfVerdict v = checker.Check("", "a@example.org", "h");
  EXPECT_EQ(v.result, Result::kNone);
  EXPECT_EQ(v.queries, 0);
}

TEST(SpfCheckerTest, UnreachableNameserverIsTempErrorWithinTheTimeout) {
  SpfCheckerOptions o;
  o.enabled = true;
  o.nameserver = {"127.0.0.1", 9};  // discard port: nothing answers DNS there
  o.timeout = std::chrono::milliseconds(300);
  SpfChecker checker(o);
  const auto started = std::chrono::steady_clock::now();
  SpfVerdict v = checker.Check("192.0.2.1", "a@example.org", "h");
  EXPECT_EQ(v.result, Result::kTempError);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1000));
}

}  // namespace
}  // namespace mailrelay::spf
