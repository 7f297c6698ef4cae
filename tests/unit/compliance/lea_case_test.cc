// The law-enforcement request state machine (compliance/lea_case.h): every allowed transition,
// every refused one (which must leave the case unchanged), scope narrowing, JSON round trips.
#include "compliance/lea_case.h"

#include <gtest/gtest.h>

namespace mailrelay::compliance {
namespace {

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kT0 = 1'780'000'000'000;

LeaRequestInput Input() {
  LeaRequestInput in;
  in.authority = "Bundeskriminalamt";
  in.country = "DE";
  in.legal_basis = "StPO 100a";
  in.reference = "AZ 4711/26";
  in.scope = {"subject@example.com", kT0, kT0 + 10 * kDay};
  return in;
}

LeaCase Opened() {
  auto c = OpenLeaCase("lea_1", Input(), "ab12", "cli:ann", kT0 + 20 * kDay);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return *c;
}

void ExpectUnchanged(const LeaCase& before, const LeaCase& after) {
  EXPECT_EQ(LeaCaseToJson(before), LeaCaseToJson(after));
}

TEST(LeaCaseTest, OpenValidatesEveryField) {
  LeaRequestInput in = Input();
  in.country = "Germany";
  EXPECT_EQ(OpenLeaCase("x", in, "i", "a", 0).status().code(), StatusCode::kInvalidArgument);
  in = Input();
  in.country = "de";
  EXPECT_FALSE(OpenLeaCase("x", in, "i", "a", 0).ok());
  in = Input();
  in.authority = "";
  EXPECT_NE(OpenLeaCase("x", in, "i", "a", 0).status().message().find("authority"),
            std::string::npos);
  in = Input();
  in.reference = "line\nbreak";
  EXPECT_FALSE(OpenLeaCase("x", in, "i", "a", 0).ok());
  in = Input();
  in.scope.from_ms = kT0 + 11 * kDay;
  EXPECT_NE(OpenLeaCase("x", in, "i", "a", 0).status().message().find("after"), std::string::npos);
  EXPECT_EQ(Opened().status, "received");
  EXPECT_EQ(Outcome(Opened()), "pending");
}

TEST(LeaCaseTest, FullLifecycleApproveDiscloseNotify) {
  LeaCase c = Opened();
  ASSERT_TRUE(Decide(c, {true, "order verified", std::nullopt, std::nullopt}, "cli:bo", 1).ok());
  EXPECT_EQ(c.status, "approved");
  EXPECT_FALSE(c.narrowed);
  ASSERT_TRUE(RecordDisclosure(c, 12, 1, "sha", "cli:bo", 2).ok());
  EXPECT_EQ(c.status, "disclosed");
  EXPECT_EQ(Outcome(c), "disclosed");
  ASSERT_TRUE(Notify(c, {false, kT0 + 100 * kDay, "gag order until trial"}, "cli:bo", kT0).ok());
  ASSERT_TRUE(Notify(c, {true, std::nullopt, ""}, "cli:bo", kT0 + 101 * kDay).ok());
  EXPECT_TRUE(c.notice->notified);
}

TEST(LeaCaseTest, NarrowedApprovalIsAPartialDisclosure) {
  LeaCase c = Opened();
  ASSERT_TRUE(
      Decide(c, {true, "narrowed to two days", kT0 + 2 * kDay, kT0 + 4 * kDay}, "a", 1).ok());
  EXPECT_TRUE(c.narrowed);
  EXPECT_TRUE(InApprovedScope(c, kT0 + 3 * kDay));
  EXPECT_FALSE(InApprovedScope(c, kT0 + 1 * kDay));
  EXPECT_FALSE(InApprovedScope(c, kT0 + 5 * kDay));
  ASSERT_TRUE(RecordDisclosure(c, 3, 1, "sha", "a", 2).ok());
  EXPECT_EQ(Outcome(c), "partially_disclosed");
}

TEST(LeaCaseTest, RefusedTransitionsChangeNothing) {
  LeaCase c = Opened();
  LeaCase before = c;
  // Disclose before approval.
  EXPECT_EQ(RecordDisclosure(c, 1, 1, "x", "a", 1).code(), StatusCode::kFailedPrecondition);
  ExpectUnchanged(before, c);
  // Notify before a decision.
  EXPECT_EQ(Notify(c, {true, std::nullopt, ""}, "a", 1).code(), StatusCode::kFailedPrecondition);
  ExpectUnchanged(before, c);
  // A scope outside the request.
  EXPECT_EQ(Decide(c, {true, "r", kT0 - kDay, std::nullopt}, "a", 1).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Decide(c, {true, "r", std::nullopt, kT0 + 11 * kDay}, "a", 1).code(),
            StatusCode::kInvalidArgument);
  ExpectUnchanged(before, c);
  // A decision without a reason.
  EXPECT_EQ(Decide(c, {false, "", std::nullopt, std::nullopt}, "a", 1).code(),
            StatusCode::kInvalidArgument);
  ExpectUnchanged(before, c);
  // Decide twice.
  ASSERT_TRUE(Decide(c, {false, "no valid order", std::nullopt, std::nullopt}, "a", 1).ok());
  LeaCase rejected = c;
  EXPECT_EQ(Decide(c, {true, "changed mind", std::nullopt, std::nullopt}, "a", 2).code(),
            StatusCode::kFailedPrecondition);
  ExpectUnchanged(rejected, c);
  // Disclose after a rejection.
  EXPECT_EQ(RecordDisclosure(c, 1, 1, "x", "a", 3).code(), StatusCode::kFailedPrecondition);
  ExpectUnchanged(rejected, c);
  EXPECT_EQ(Outcome(c), "rejected");
}

TEST(LeaCaseTest, DiscloseTwiceAndNotifyTwiceAreRefused) {
  LeaCase c = Opened();
  ASSERT_TRUE(Decide(c, {true, "ok", std::nullopt, std::nullopt}, "a", 1).ok());
  ASSERT_TRUE(RecordDisclosure(c, 1, 1, "x", "a", 2).ok());
  LeaCase once = c;
  EXPECT_EQ(RecordDisclosure(c, 1, 1, "y", "a", 3).code(), StatusCode::kFailedPrecondition);
  ExpectUnchanged(once, c);
  ASSERT_TRUE(Notify(c, {true, std::nullopt, ""}, "a", 4).ok());
  LeaCase notified = c;
  EXPECT_EQ(Notify(c, {false, kT0 + 400 * kDay, "late gag"}, "a", 5).code(),
            StatusCode::kFailedPrecondition);
  ExpectUnchanged(notified, c);
}

TEST(LeaCaseTest, DeferralNeedsAFutureDateAndAReason) {
  LeaCase c = Opened();
  ASSERT_TRUE(Decide(c, {true, "ok", std::nullopt, std::nullopt}, "a", 1).ok());
  EXPECT_EQ(Notify(c, {false, kT0, "gag"}, "a", kT0 + 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Notify(c, {false, kT0 + kDay, ""}, "a", kT0).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Notify(c, {true, kT0 + kDay, "x"}, "a", kT0).code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(c.notice.has_value());
}

TEST(LeaCaseTest, JsonRoundTripKeepsEverything) {
  LeaCase c = Opened();
  ASSERT_TRUE(Decide(c, {true, "ok", kT0 + kDay, std::nullopt}, "a", 1).ok());
  ASSERT_TRUE(RecordDisclosure(c, 5, 2, "abc", "b", 2).ok());
  ASSERT_TRUE(Notify(c, {false, kT0 + 50 * kDay, "gag"}, "c", kT0).ok());
  auto back = LeaCaseFromJson(LeaCaseToJson(c));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(LeaCaseToJson(*back), LeaCaseToJson(c));
  EXPECT_EQ(LeaCaseFromJson(nlohmann::json{{"id", 1}}).status().code(), StatusCode::kDataLoss);
}

TEST(LeaCaseTest, ViewsAndAuditDetailsNeverHoldTheAddress) {
  LeaCase c = Opened();
  ASSERT_TRUE(Decide(c, {true, "ok", std::nullopt, std::nullopt}, "a", 1).ok());
  ASSERT_TRUE(RecordDisclosure(c, 5, 2, "abc", "b", 2).ok());
  EXPECT_EQ(LeaCaseView(c).dump().find("subject@example.com"), std::string::npos);
  for (const char* t : {"open", "decide", "disclose", "notify"}) {
    nlohmann::json d = LeaAuditDetails(c, t);
    EXPECT_EQ(d.dump().find("@"), std::string::npos) << t;
    EXPECT_EQ(d["authority"], "Bundeskriminalamt");
    EXPECT_EQ(d["country"], "DE");
    EXPECT_EQ(d["legal_basis"], "StPO 100a");
    EXPECT_EQ(d["reference"], "AZ 4711/26");
    EXPECT_EQ(d["subject_index"], "ab12");
  }
  EXPECT_EQ(LeaAuditDetails(c, "disclose")["records"], 5);
}

}  // namespace
}  // namespace mailrelay::compliance
