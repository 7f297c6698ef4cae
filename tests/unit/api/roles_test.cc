#include "api/roles.h"

#include <gtest/gtest.h>

namespace mailrelay::api {
namespace {

Caller Make(bool has_token, std::optional<Role> role, bool loopback) {
  Caller c;
  c.has_token = has_token;
  c.role = role;
  c.loopback = loopback;
  return c;
}
Caller NoToken(bool loopback = false) { return Make(false, std::nullopt, loopback); }
Caller BadToken(bool loopback = false) { return Make(true, std::nullopt, loopback); }
Caller As(Role r, bool loopback = false) { return Make(true, r, loopback); }

TEST(RolesTest, ParseAndNameRoundTrip) {
  for (Role r : AllRoles()) EXPECT_EQ(ParseRole(RoleName(r)), r);
  EXPECT_FALSE(ParseRole("Admin"));
  EXPECT_FALSE(ParseRole(""));
  EXPECT_FALSE(ParseRole("root"));
  EXPECT_EQ(AllRoles().size(), 3u);
}

TEST(RolesTest, HealthzIsOpenToEveryone) {
  EXPECT_EQ(Authorize(Endpoint::kHealthz, NoToken()), Decision::kAllow);
  EXPECT_EQ(Authorize(Endpoint::kHealthz, BadToken()), Decision::kAllow);
  for (Role r : AllRoles()) EXPECT_EQ(Authorize(Endpoint::kHealthz, As(r)), Decision::kAllow);
}

TEST(RolesTest, MetricsOpenOnLoopbackAdminElsewhere) {
  EXPECT_EQ(Authorize(Endpoint::kMetrics, NoToken(/*loopback=*/true)), Decision::kAllow);
  EXPECT_EQ(Authorize(Endpoint::kMetrics, NoToken(false)), Decision::kUnauthenticated);
  // A token that is sent is checked, even on loopback.
  EXPECT_EQ(Authorize(Endpoint::kMetrics, BadToken(true)), Decision::kUnauthenticated);
  EXPECT_EQ(Authorize(Endpoint::kMetrics, As(Role::kAdmin, false)), Decision::kAllow);
  EXPECT_EQ(Authorize(Endpoint::kMetrics, As(Role::kCompliance, false)), Decision::kForbidden);
  EXPECT_EQ(Authorize(Endpoint::kMetrics, As(Role::kAuditor, true)), Decision::kForbidden);
}

TEST(RolesTest, MessagesAreForAdminAndCompliance) {
  for (bool loopback : {true, false}) {
    EXPECT_EQ(Authorize(Endpoint::kMessages, NoToken(loopback)), Decision::kUnauthenticated);
    EXPECT_EQ(Authorize(Endpoint::kMessages, BadToken(loopback)), Decision::kUnauthenticated);
    EXPECT_EQ(Authorize(Endpoint::kMessages, As(Role::kAdmin, loopback)), Decision::kAllow);
    EXPECT_EQ(Authorize(Endpoint::kMessages, As(Role::kCompliance, loopback)), Decision::kAllow);
    EXPECT_EQ(Authorize(Endpoint::kMessages, As(Role::kAuditor, loopback)), Decision::kForbidden);
  }
  EXPECT_TRUE(RuleFor(Endpoint::kMessages).personal_data);
  EXPECT_FALSE(RuleFor(Endpoint::kMetrics).personal_data);
}

TEST(RolesTest, DevSinkIsOpen) {
  EXPECT_EQ(Authorize(Endpoint::kDevSink, NoToken()), Decision::kAllow);
}

TEST(RolesTest, AuditLogIsForAuditorsAndAdmins) {
  for (Endpoint e : {Endpoint::kAuditEntries, Endpoint::kAuditCheckpoint, Endpoint::kAuditInclusion,
                     Endpoint::kAuditConsistency}) {
    for (bool loopback : {false, true}) {
      EXPECT_EQ(Authorize(e, NoToken(loopback)), Decision::kUnauthenticated);
      EXPECT_EQ(Authorize(e, BadToken(loopback)), Decision::kUnauthenticated);
      EXPECT_EQ(Authorize(e, As(Role::kAdmin, loopback)), Decision::kAllow);
      EXPECT_EQ(Authorize(e, As(Role::kAuditor, loopback)), Decision::kAllow);
      EXPECT_EQ(Authorize(e, As(Role::kCompliance, loopback)), Decision::kForbidden);
    }
    EXPECT_FALSE(RuleFor(e).personal_data);
  }
  EXPECT_EQ(MatchRoute("GET", "/v1/audit/entries", false).endpoint, Endpoint::kAuditEntries);
  EXPECT_EQ(MatchRoute("GET", "/v1/audit/checkpoint", false).endpoint, Endpoint::kAuditCheckpoint);
  EXPECT_EQ(MatchRoute("GET", "/v1/audit/proofs/inclusion", false).endpoint,
            Endpoint::kAuditInclusion);
  EXPECT_EQ(MatchRoute("GET", "/v1/audit/proofs/consistency", false).endpoint,
            Endpoint::kAuditConsistency);
  EXPECT_EQ(MatchRoute("POST", "/v1/audit/entries", false).allow, "GET");
  EXPECT_FALSE(MatchRoute("GET", "/v1/audit/proofs", false).endpoint);
}

TEST(RolesTest, RouteMatching) {
  EXPECT_EQ(MatchRoute("GET", "/healthz", false).endpoint, Endpoint::kHealthz);
  EXPECT_EQ(MatchRoute("GET", "/metrics", false).endpoint, Endpoint::kMetrics);
  EXPECT_EQ(MatchRoute("GET", "/v1/messages", false).endpoint, Endpoint::kMessages);
  auto post = MatchRoute("POST", "/v1/messages", false);
  EXPECT_FALSE(post.endpoint);
  EXPECT_EQ(post.allow, "GET");
  auto unknown = MatchRoute("GET", "/v1/nothing", false);
  EXPECT_FALSE(unknown.endpoint);
  EXPECT_TRUE(unknown.allow.empty());
  EXPECT_FALSE(MatchRoute("POST", "/dev/sink", false).endpoint);
  EXPECT_TRUE(MatchRoute("POST", "/dev/sink", false).allow.empty());
  EXPECT_EQ(MatchRoute("POST", "/dev/sink", true).endpoint, Endpoint::kDevSink);
  EXPECT_FALSE(MatchRoute("GET", "/v1/messages/", false).endpoint);
}

}  // namespace
}  // namespace mailrelay::api
