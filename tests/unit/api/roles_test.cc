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

namespace mailrelay::api {
namespace {

TEST(RolesTest, SubjectRightsAndLeaRequestsAreForComplianceOnly) {
  for (Endpoint e :
       {Endpoint::kSubjectExport, Endpoint::kSubjectErase, Endpoint::kLeaList, Endpoint::kLeaOpen,
        Endpoint::kLeaShow, Endpoint::kLeaDecide, Endpoint::kLeaDisclose, Endpoint::kLeaNotify}) {
    EXPECT_EQ(Authorize(e, NoToken(true)), Decision::kUnauthenticated);
    EXPECT_EQ(Authorize(e, BadToken()), Decision::kUnauthenticated);
    EXPECT_EQ(Authorize(e, As(Role::kCompliance)), Decision::kAllow);
    EXPECT_EQ(Authorize(e, As(Role::kAdmin)), Decision::kForbidden);
    EXPECT_EQ(Authorize(e, As(Role::kAuditor)), Decision::kForbidden);
    EXPECT_TRUE(RuleFor(e).personal_data);
  }
}

TEST(RolesTest, TransparencyReportForEveryRoleAndKeysOpen) {
  for (Role r : AllRoles()) {
    EXPECT_EQ(Authorize(Endpoint::kTransparencyReport, As(r)), Decision::kAllow);
  }
  EXPECT_EQ(Authorize(Endpoint::kTransparencyReport, NoToken(true)), Decision::kUnauthenticated);
  EXPECT_EQ(Authorize(Endpoint::kPublicKeys, NoToken()), Decision::kAllow);
  EXPECT_EQ(Authorize(Endpoint::kPublicKeys, BadToken()), Decision::kAllow);
}

TEST(RolesTest, LeaRoutesTakeAnIdSegment) {
  RouteMatch m = MatchRoute("POST", "/v1/lea-requests/lea_01ABC-x/decision", false);
  ASSERT_TRUE(m.endpoint);
  EXPECT_EQ(*m.endpoint, Endpoint::kLeaDecide);
  EXPECT_EQ(m.id, "lea_01ABC-x");
  m = MatchRoute("GET", "/v1/lea-requests/lea_1", false);
  ASSERT_TRUE(m.endpoint);
  EXPECT_EQ(*m.endpoint, Endpoint::kLeaShow);
  m = MatchRoute("POST", "/v1/lea-requests", false);
  EXPECT_EQ(*m.endpoint, Endpoint::kLeaOpen);
  m = MatchRoute("GET", "/v1/lea-requests", false);
  EXPECT_EQ(*m.endpoint, Endpoint::kLeaList);
  // Ids are one segment of [A-Za-z0-9_-]{1,64}: no dots, slashes, or empties.
  EXPECT_FALSE(MatchRoute("GET", "/v1/lea-requests/a.b", false).endpoint);
  EXPECT_FALSE(MatchRoute("GET", "/v1/lea-requests/a/b", false).endpoint);
  EXPECT_FALSE(MatchRoute("GET", "/v1/lea-requests//decision", false).endpoint);
  EXPECT_FALSE(MatchRoute("GET", "/v1/lea-requests/" + std::string(65, 'a'), false).endpoint);
  m = MatchRoute("GET", "/v1/lea-requests/x/decision", false);
  EXPECT_FALSE(m.endpoint);
  EXPECT_EQ(m.allow, "POST");
}

}  // namespace
}  // namespace mailrelay::api
