// vault/sweep_cap.h: a shortened retention applies to records written before it at the next
// sweep (CapRow, the lifetimes kept in meta, the capping pass in batches, dry runs).
#include "vault/sweep_cap.h"

#include <gtest/gtest.h>

#include "vault/vault.h"
#include "vault_test_util.h"

namespace mailrelay::vault {
namespace {

using testing::SampleRecord;

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int64_t kDay = 86'400'000;

RetentionPolicy Policy(int record_days, std::map<std::string, int, std::less<>> fields = {}) {
  RetentionPolicy p;
  p.default_lifetimes.record_days = record_days;
  p.default_lifetimes.field_days = std::move(fields);
  return p;
}

size_t Index(std::string_view field) {
  for (size_t i = 0; i < kFieldCount; ++i) {
    if (kSealedFields[i] == field) return i;
  }
  return kFieldCount;
}

TEST(CapRowTest, CapsRecordAndFieldsAndDropsFieldsThatReachTheRecord) {
  CapLimits c = CapLimitsFrom(Policy(10, {{"sender_ip", 2}, {"subject", 20}}).default_lifetimes);
  EXPECT_EQ(c.record_ms, 10 * kDay);
  EXPECT_EQ(c.field_ms[Index("sender_ip")], 2 * kDay);
  EXPECT_EQ(c.field_ms[Index("subject")], 10 * kDay);  // longer than the record: the record's
  ExpiryRow r;
  r.received = kT0;
  r.expires = kT0 + 30 * kDay;
  r.present.fill(true);
  r.field[Index("sender_ip")] = kT0 + 7 * kDay;
  r.field[Index("server_response")] = kT0 + 14 * kDay;  // beyond the new record expiry
  r.present[Index("message_id")] = false;               // cleared before: stays cleared
  EXPECT_TRUE(CapRow(r, c));
  EXPECT_EQ(r.expires, kT0 + 10 * kDay);
  EXPECT_EQ(r.field[Index("sender_ip")], kT0 + 2 * kDay);
  EXPECT_FALSE(r.field[Index("server_response")]);
  EXPECT_FALSE(r.field[Index("message_id")]);
  EXPECT_FALSE(r.field[Index("subject")]);
  EXPECT_FALSE(CapRow(r, c));  // idempotent
}

TEST(CapRowTest, ANewFieldLifetimeAppliesToAFieldThatHadNone) {
  CapLimits c = CapLimitsFrom(Policy(30, {{"subject", 14}}).default_lifetimes);
  ExpiryRow r;
  r.received = kT0;
  r.expires = kT0 + 30 * kDay;
  r.present.fill(true);
  EXPECT_TRUE(CapRow(r, c));
  EXPECT_EQ(r.expires, kT0 + 30 * kDay);
  EXPECT_EQ(r.field[Index("subject")], kT0 + 14 * kDay);
}

TEST(CapRowTest, LongerLimitsNeverLengthen) {
  CapLimits c = CapLimitsFrom(Policy(60, {{"sender_ip", 30}}).default_lifetimes);
  ExpiryRow r;
  r.received = kT0;
  r.expires = kT0 + 30 * kDay;
  r.present.fill(true);
  r.field[Index("sender_ip")] = kT0 + 7 * kDay;
  EXPECT_FALSE(CapRow(r, c));
  EXPECT_EQ(r.expires, kT0 + 30 * kDay);
  EXPECT_EQ(r.field[Index("sender_ip")], kT0 + 7 * kDay);
}

TEST(CapLimitsTest, TextRoundTripAndShorter) {
  CapLimits a = CapLimitsFrom(Policy(30, {{"sender_ip", 7}}).default_lifetimes);
  EXPECT_EQ(ParseCapLimits(CapLimitsText(a)), a);
  EXPECT_FALSE(ParseCapLimits("12 3"));
  CapLimits b = CapLimitsFrom(Policy(30, {{"sender_ip", 6}}).default_lifetimes);
  EXPECT_TRUE(Shorter(b, a));
  EXPECT_FALSE(Shorter(a, b));
  EXPECT_FALSE(Shorter(a, a));
}

class SweepCapTest : public testing::VaultFixture {};

TEST_F(SweepCapTest, AShorterPolicyAppliesToExistingRecordsAtTheNextSweep) {
  auto v = MustOpen();
  // Written under 30 days (sender_ip 7).
  MetadataRecord r = SampleRecord("eu", 1, kT0);
  r.expires_at_ms = kT0 + 30 * kDay;
  r.field_expires_at_ms = {{"sender_ip", kT0 + 7 * kDay}};
  ASSERT_TRUE(v->Commit({r}).ok());
  RetentionPolicy p30 = Policy(30, {{"sender_ip", 7}});
  // The old policy: nothing to do on day 5.
  auto c = v->Sweep(kT0 + 5 * kDay, false, &p30);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ((*c)["eu"].expiries_capped, 0);
  ASSERT_EQ(All(*v).size(), 1u);

  // Now 10 days (sender_ip 2, subject 3): on day 5 the record keeps only what is not expired.
  RetentionPolicy p10 = Policy(10, {{"sender_ip", 2}, {"subject", 3}});
  auto dry = v->Sweep(kT0 + 5 * kDay, true, &p10);
  ASSERT_TRUE(dry.ok()) << dry.status().ToString();
  EXPECT_EQ((*dry)["eu"].expiries_capped, 1);
  EXPECT_EQ((*dry)["eu"].fields_cleared["sender_ip"], 1);
  EXPECT_EQ((*dry)["eu"].fields_cleared["subject"], 1);
  ASSERT_EQ(All(*v)[0].subject, r.subject);  // a dry run changes nothing

  c = v->Sweep(kT0 + 5 * kDay, false, &p10);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ((*c)["eu"].expiries_capped, 1);
  EXPECT_EQ((*c)["eu"].records_deleted, 0);
  EXPECT_EQ((*c)["eu"].fields_cleared["sender_ip"], 1);
  EXPECT_EQ((*c)["eu"].fields_cleared["subject"], 1);
  auto rows = All(*v);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].expires_at_ms, kT0 + 10 * kDay);
  EXPECT_EQ(rows[0].sender_ip, "");
  EXPECT_EQ(rows[0].subject, "");
  EXPECT_EQ(rows[0].recipient, r.recipient);

  // The lifetimes are remembered: the next sweep does not cap again.
  c = v->Sweep(kT0 + 10 * kDay - 1, false, &p10);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)["eu"].expiries_capped, 0);
  EXPECT_EQ((*c)["eu"].records_deleted, 0);
  c = v->Sweep(kT0 + 10 * kDay, false, &p10);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)["eu"].records_deleted, 1);
}

TEST_F(SweepCapTest, ALongerPolicyChangesNothingAndALaterShorteningStillApplies) {
  auto v = MustOpen();
  MetadataRecord r = SampleRecord("us", 1, kT0);
  r.expires_at_ms = kT0 + 30 * kDay;
  ASSERT_TRUE(v->Commit({r}).ok());
  RetentionPolicy p30 = Policy(30), p60 = Policy(60), p20 = Policy(20);
  for (const RetentionPolicy* p : {&p30, &p60}) {
    auto c = v->Sweep(kT0 + kDay, false, p);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ((*c)["us"].expiries_capped, 0);
  }
  EXPECT_EQ(All(*v)[0].expires_at_ms, kT0 + 30 * kDay);
  auto c = v->Sweep(kT0 + kDay, false, &p20);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)["us"].expiries_capped, 1);
  EXPECT_EQ(All(*v)[0].expires_at_ms, kT0 + 20 * kDay);
}

TEST_F(SweepCapTest, CapsInBatchesAcrossThousandsOfRows) {
  auto v = MustOpen();
  std::vector<MetadataRecord> recs;
  for (int i = 0; i < 2500; ++i) {
    MetadataRecord r = SampleRecord("ap", i, kT0 + i);
    r.expires_at_ms = kT0 + i + 30 * kDay;
    recs.push_back(r);
  }
  ASSERT_TRUE(v->Commit(recs).ok());
  RetentionPolicy p30 = Policy(30), p7 = Policy(7);
  ASSERT_TRUE(v->Sweep(kT0, false, &p30).ok());
  auto c = v->Sweep(kT0 + 7 * kDay + 1249, false, &p7);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ((*c)["ap"].expiries_capped, 2500);
  EXPECT_EQ((*c)["ap"].records_deleted, 1250);
  c = v->Sweep(kT0 + 8 * kDay, false, &p7);  // the rest: capped to 7 days too
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)["ap"].expiries_capped, 0);
  EXPECT_EQ((*c)["ap"].records_deleted, 1250);
}

}  // namespace
}  // namespace mailrelay::vault
