#include "common/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mailrelay {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

json Route() { return {{"id", "r1"}, {"match", {"*@x.test"}}, {"target", "http://127.0.0.1:9/"}}; }

TEST(ConfigTest, EmptyObjectGivesDefaults) {
  auto c = ConfigFromJson(json::object(), "c.json", "/etc/mr");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->smtp.listen.port, 2525);
  EXPECT_EQ(c->api.listen.port, 8025);
  EXPECT_EQ(c->data_dir, "/etc/mr/./var");
  EXPECT_EQ(c->smtp.limits.max_message_bytes, 25u << 20);
}

TEST(ConfigTest, RouteGetsDefaultRegionAndAccount) {
  json doc = {{"default_region", "eu"}, {"routes", {Route()}}};
  auto c = ConfigFromJson(doc, "c.json", ".");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->routes.size(), 1u);
  EXPECT_EQ(c->routes[0].region, "eu");
  EXPECT_EQ(c->routes[0].account, "r1");
  EXPECT_EQ(c->routes[0].format, PayloadFormat::kJson);
}

TEST(ConfigTest, BadTargetIsReportedWithFileAndPointer) {
  json r = Route();
  r["target"] = "ftp://x";
  auto c = ConfigFromJson({{"routes", {r}}}, "c.json", ".");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("c.json: at /routes/0/target"));
}

TEST(ConfigTest, WrongTypeIsReported) {
  auto c = ConfigFromJson({{"smtp", {{"limits", {{"max_recipients", "many"}}}}}}, "c.json", ".");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("/smtp/limits/max_recipients"));
}

TEST(ConfigTest, MalformedRegionIsRejected) {
  json r = Route();
  r["region"] = "Mars!";
  auto c = ConfigFromJson({{"routes", {r}}}, "c.json", ".");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("/routes/0/region"));
}

// Which regions exist is policy/regions.json's to say: the vault checks the config against it
// when it opens (server/policy_regions.h), not the config schema.
TEST(ConfigTest, AWellFormedRegionIsLeftToThePolicy) {
  json r = Route();
  r["region"] = "ca";
  auto c = ConfigFromJson({{"routes", {r}}}, "c.json", ".");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->routes.at(0).region, "ca");
}

TEST(ConfigTest, SweepIntervalDefaultsToTenMinutesAndIsBoundedToADay) {
  auto c = ConfigFromJson(json::object(), "c.json", ".");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->sweep_interval_s, 600);
  c = ConfigFromJson({{"retention", {{"sweep_interval_s", 60}}}}, "c.json", ".");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->sweep_interval_s, 60);
  for (int bad : {0, 86401}) {
    c = ConfigFromJson({{"retention", {{"sweep_interval_s", bad}}}}, "c.json", ".");
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_THAT(c.status().message(), HasSubstr("/retention/sweep_interval_s"));
  }
}

TEST(ConfigTest, DuplicateRouteIdsAreRejected) {
  auto c = ConfigFromJson({{"routes", {Route(), Route()}}}, "c.json", ".");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("/routes/1/id"));
}

TEST(ConfigTest, UnreadableTlsFileIsNamed) {
  json doc = {
      {"smtp",
       {{"tls", {{"cert_file", "/nonexistent/c.pem"}, {"key_file", "/nonexistent/k.pem"}}}}}};
  auto c = ConfigFromJson(doc, "c.json", ".");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("/smtp/tls/cert_file"));
  EXPECT_THAT(c.status().message(), HasSubstr("/nonexistent/c.pem"));

  // The API's TLS files are checked the same way, and the key as well as the certificate.
  doc = {{"api", {{"tls", {{"cert_file", "config_test.cc"}, {"key_file", "/nonexistent/k.pem"}}}}}};
  c = ConfigFromJson(doc, "c.json", MAILRELAY_SOURCE_DIR "/tests/unit/common");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("c.json: at /api/tls/key_file: cannot read"));
}

TEST(ConfigTest, MissingFileIsNotFound) {
  auto c = LoadConfigFile("/nonexistent/mailrelay.json");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);
}

TEST(ConfigTest, ListenAddressParsesIpv4AndIpv6) {
  auto a = ParseListenAddress("0.0.0.0:25");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "0.0.0.0");
  EXPECT_EQ(a->port, 25);
  auto b = ParseListenAddress("[::1]:2525");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->ToString(), "[::1]:2525");
  EXPECT_FALSE(ParseListenAddress("host:99999").ok());
  EXPECT_FALSE(ParseListenAddress("nohost").ok());
}

TEST(ConfigTest, ServiceUserIsOptional) {
  auto c = ConfigFromJson(json::object(), "c.json", ".");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->service_user, "");
  c = ConfigFromJson({{"service", {{"user", "mailrelay"}}}}, "c.json", ".");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->service_user, "mailrelay");
}

TEST(ConfigTest, BadServiceUserIsReportedWithFileAndPointer) {
  for (const json& bad : {json(""), json(1000), json("no body"), json("a/b")}) {
    auto c = ConfigFromJson({{"service", {{"user", bad}}}}, "c.json", ".");
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_THAT(c.status().message(), HasSubstr("c.json: at /service/user"));
  }
  auto c = ConfigFromJson({{"service", {{"uid", 65534}}}}, "c.json", ".");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("c.json"));
  EXPECT_THAT(c.status().message(), HasSubstr("uid"));
  EXPECT_EQ(QuickstartConfig().service_user, "");
}

TEST(ConfigTest, QuickstartRoutesExampleTestToTheDevSink) {
  Config c = QuickstartConfig();
  EXPECT_TRUE(c.quickstart);
  EXPECT_TRUE(c.api.dev_sink);
  ASSERT_EQ(c.routes.size(), 1u);
  EXPECT_EQ(c.routes[0].match[0], "*@example.test");
  EXPECT_EQ(c.routes[0].target, "http://127.0.0.1:8025/dev/sink");
  EXPECT_TRUE(c.spf.enabled);
  EXPECT_EQ(c.spf.nameserver, "");  // the system's
}

TEST(ConfigTest, SpfIsOffByDefaultWithAThreeSecondBudget) {
  auto c = ConfigFromJson(json::object(), "c.json", ".");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_FALSE(c->spf.enabled);
  EXPECT_EQ(c->spf.nameserver, "");
  EXPECT_EQ(c->spf.timeout_ms, 3000);
  c = ConfigFromJson(
      {{"spf", {{"enabled", true}, {"nameserver", "[::1]:5353"}, {"timeout_ms", 500}}}}, "c.json",
      ".");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->spf.enabled);
  EXPECT_EQ(c->spf.nameserver, "[::1]:5353");
  EXPECT_EQ(c->spf.timeout_ms, 500);
}

TEST(ConfigTest, BadSpfValuesAreReportedWithFileAndPointer) {
  const std::pair<json, const char*> kBad[] = {
      {{{"timeout_ms", 99}}, "/spf/timeout_ms"},
      {{{"timeout_ms", 30001}}, "/spf/timeout_ms"},
      {{{"enabled", "yes"}}, "/spf/enabled"},
      {{{"nameserver", "dns.example.com"}}, "/spf/nameserver"},
      {{{"nameserver", "127.0.0.1:0"}}, "/spf/nameserver"},
      {{{"resolver", "127.0.0.1"}}, "/spf"},
  };
  for (const auto& [spf, pointer] : kBad) {
    auto c = ConfigFromJson({{"spf", spf}}, "c.json", ".");
    ASSERT_FALSE(c.ok()) << spf.dump();
    EXPECT_THAT(c.status().message(), HasSubstr("c.json"));
    EXPECT_THAT(c.status().message(), HasSubstr(pointer)) << c.status().message();
  }
}

TEST(ConfigTest, NameserverAddressForms) {
  auto a = ParseNameserverAddress("192.0.2.53");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->port, 53);
  auto b = ParseNameserverAddress("::1");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 53);
  EXPECT_THAT(ParseNameserverAddress("ns.example").status().message(),
              HasSubstr("not an IP address"));
}

}  // namespace
}  // namespace mailrelay
