// Retention sweep (vault/sweep.h through Vault::Sweep): time travel with now_ms, per-field
// clearing, per-region counts, dry runs, the space freed.
#include "vault/sweep.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "keyring/key_set.h"
#include "keyring/master_key.h"
#include "vault/store_file.h"
#include "vault/vault.h"
#include "vault_test_util.h"

namespace mailrelay::vault {
namespace {

using testing::SampleRecord;

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int64_t kDay = 86'400'000;

class SweepTest : public testing::VaultFixture {
 protected:
  // `n` us records, all expiring at `expires_at_ms`.
  static std::vector<MetadataRecord> UsRecordsExpiringAt(int n, int64_t expires_at_ms) {
    std::vector<MetadataRecord> recs;
    for (int i = 0; i < n; ++i) {
      recs.push_back(SampleRecord("us", i, kT0 + i));
      recs.back().expires_at_ms = expires_at_ms;
    }
    return recs;
  }
  // A connection of the test's own to the us file, as another process would open it.
  StatusOr<std::unique_ptr<Db>> OpenUsConnection() {
    auto master = keyring::MasterKey::Load(KeyPath());
    if (!master.ok()) return master.status();
    auto keys = keyring::KeySet::Derive(*master, "us");
    if (!keys.ok()) return keys.status();
    return OpenConnection(RegionFile("us"), **keys);
  }
  SweepCounts MustSweep(Vault& v, const std::string& region, int64_t now, bool dry = false) {
    auto c = v.Sweep(now, dry);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? (*c)[region] : SweepCounts{};
  }
};

TEST_F(SweepTest, DeletesARecordAtItsExpiryNotBefore) {
  auto v = MustOpen();
  MetadataRecord r = SampleRecord("eu", 1, kT0);
  r.expires_at_ms = kT0 + 30 * kDay;
  ASSERT_TRUE(v->Commit({r}).ok());

  SweepCounts before = MustSweep(*v, "eu", r.expires_at_ms - 1);
  EXPECT_EQ(before.records_deleted, 0);
  ASSERT_EQ(All(*v).size(), 1u);

  SweepCounts at = MustSweep(*v, "eu", r.expires_at_ms);
  EXPECT_EQ(at.records_deleted, 1);
  EXPECT_TRUE(at.space_freed);
  EXPECT_TRUE(All(*v).empty());
  auto found = v->FindBySubject(r.sender);
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->empty());
}

TEST_F(SweepTest, ClearsExpiredFieldsReadBackEmptyAndKeepsTheRecord) {
  auto v = MustOpen();
  MetadataRecord r = SampleRecord("us", 2, kT0);
  r.expires_at_ms = kT0 + 30 * kDay;
  r.field_expires_at_ms = {{"sender_ip", kT0 + 7 * kDay}, {"server_response", kT0 + 14 * kDay}};
  ASSERT_TRUE(v->Commit({r}).ok());

  SweepCounts c1 = MustSweep(*v, "us", kT0 + 7 * kDay);
  EXPECT_EQ(c1.records_deleted, 0);
  EXPECT_EQ(c1.fields_cleared["sender_ip"], 1);
  EXPECT_EQ(c1.fields_cleared["server_response"], 0);
  auto rows = All(*v);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].sender_ip, "");
  EXPECT_EQ(rows[0].server_response, r.server_response);
  EXPECT_EQ(rows[0].sender, r.sender);
  EXPECT_EQ(rows[0].subject, r.subject);
  EXPECT_EQ(rows[0].field_expires_at_ms.count("sender_ip"), 0u);
  EXPECT_EQ(rows[0].field_expires_at_ms.at("server_response"), kT0 + 14 * kDay);

  // Nothing more to do until the next field's expiry.
  SweepCounts again = MustSweep(*v, "us", kT0 + 14 * kDay - 1);
  EXPECT_EQ(again.fields_cleared["sender_ip"], 0);
  EXPECT_EQ(again.fields_cleared["server_response"], 0);

  SweepCounts c2 = MustSweep(*v, "us", kT0 + 14 * kDay);
  EXPECT_EQ(c2.fields_cleared["server_response"], 1);
  rows = All(*v);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].server_response, "");
  EXPECT_EQ(rows[0].sender, r.sender);

  SweepCounts c3 = MustSweep(*v, "us", kT0 + 30 * kDay);
  EXPECT_EQ(c3.records_deleted, 1);
  EXPECT_TRUE(All(*v).empty());
}

TEST_F(SweepTest, AClearedSenderIsNoLongerFoundByItsBlindIndex) {
  auto v = MustOpen();
  MetadataRecord r = SampleRecord("ap", 3, kT0);
  r.field_expires_at_ms = {{"sender", kT0 + kDay}};
  ASSERT_TRUE(v->Commit({r}).ok());
  auto found = v->FindBySubject(r.sender);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(MustSweep(*v, "ap", kT0 + kDay).fields_cleared["sender"], 1);
  found = v->FindBySubject(r.sender);
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->empty());
  // The recipient's index still finds it.
  found = v->FindBySubject(r.recipient);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].sender, "");
}

TEST_F(SweepTest, DryRunCountsAndChangesNothing) {
  auto v = MustOpen();
  std::vector<MetadataRecord> recs;
  for (int i = 0; i < 5; ++i) {
    MetadataRecord r = SampleRecord("eu", 10 + i, kT0 + i);
    r.expires_at_ms = kT0 + (i < 3 ? kDay : 60 * kDay);
    r.field_expires_at_ms = {{"sender_ip", kT0 + kDay}};
    recs.push_back(r);
  }
  ASSERT_TRUE(v->Commit(recs).ok());
  SweepCounts dry = MustSweep(*v, "eu", kT0 + kDay, /*dry=*/true);
  EXPECT_EQ(dry.records_deleted, 3);
  EXPECT_EQ(dry.fields_cleared["sender_ip"], 2);
  auto rows = All(*v);
  ASSERT_EQ(rows.size(), 5u);
  for (const auto& r : rows) EXPECT_NE(r.sender_ip, "");

  SweepCounts real = MustSweep(*v, "eu", kT0 + kDay);
  EXPECT_EQ(real.records_deleted, dry.records_deleted);
  EXPECT_EQ(real.fields_cleared, dry.fields_cleared);
  rows = All(*v);
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& r : rows) EXPECT_EQ(r.sender_ip, "");
}

TEST_F(SweepTest, CountsPerRegionAndBatchesBeyondOneTransaction) {
  auto v = MustOpen();
  std::vector<MetadataRecord> recs;
  for (int i = 0; i < 2500; ++i) {
    MetadataRecord r = SampleRecord("us", i, kT0 + i);
    r.expires_at_ms = kT0 + kDay + (i % 2);  // half expire at kT0+kDay, half 1 ms later
    recs.push_back(r);
  }
  MetadataRecord eu = SampleRecord("eu", 1, kT0);
  eu.expires_at_ms = kT0 + kDay;
  recs.push_back(eu);
  ASSERT_TRUE(v->Commit(recs).ok());
  auto c = v->Sweep(kT0 + kDay);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ((*c)["us"].records_deleted, 1250);
  EXPECT_EQ((*c)["eu"].records_deleted, 1);
  EXPECT_EQ((*c)["ap"].records_deleted, 0);
  EXPECT_EQ(c->size(), 3u);
  c = v->Sweep(kT0 + kDay + 1);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)["us"].records_deleted, 1250);
  EXPECT_TRUE(All(*v).empty());
  // WAL truncated by the sweep's checkpoint.
  std::error_code ec;
  auto wal = std::filesystem::file_size(RegionFile("us") + "-wal", ec);
  if (!ec) {
    EXPECT_EQ(wal, 0u);
  }
}

// Progress comes after each committed batch, per region, with counts that only grow and end
// at the sweep's result.
TEST_F(SweepTest, ReportsProgressAfterEachBatch) {
  auto v = MustOpen();
  ASSERT_TRUE(v->Commit(UsRecordsExpiringAt(3000, kT0 + kDay)).ok());
  std::map<std::string, std::vector<int64_t>> by_region;
  auto c = v->Sweep(kT0 + kDay, false, nullptr,
                    [&](const std::string& region, const SweepCounts& so_far) {
                      by_region[region].push_back(so_far.records_deleted);
                    });
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(by_region["eu"].back(), 0);
  const std::vector<int64_t>& seen = by_region["us"];
  ASSERT_GE(seen.size(), 3u);  // at most 1,000 rows per batch
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(seen.back(), 3000);
  EXPECT_EQ((*c)["us"].records_deleted, 3000);
}

// While a writer waits (SweepOptions::writers_waiting), each batch is one 32-row step: the
// writer waits for that step and its COMMIT, not for the pacer's whole budget.
TEST_F(SweepTest, ABatchEndsAfterItsStepWhileAWriterWaits) {
  auto v = MustOpen();
  ASSERT_TRUE(v->Commit(UsRecordsExpiringAt(300, kT0 + kDay)).ok());
  auto db = OpenUsConnection();
  ASSERT_TRUE(db.ok()) << db.status().ToString();

  std::vector<int64_t> deleted_after_batch;
  int asked = 0;
  SweepOptions options;
  options.writers_waiting = [&] {
    ++asked;
    return true;
  };
  options.progress = [&](const SweepCounts& so_far) {
    deleted_after_batch.push_back(so_far.records_deleted);
  };
  auto c = SweepRegion(**db, kT0 + kDay, /*dry_run=*/false, options);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->records_deleted, 300);
  ASSERT_GE(deleted_after_batch.size(), 10u);  // 300 rows, 32 at most per batch
  int64_t before = 0;
  for (int64_t after : deleted_after_batch) {
    EXPECT_LE(after - before, 32);
    before = after;
  }
  EXPECT_GE(asked, 10);
}

TEST_F(SweepTest, FreedSpaceGoesBackToTheFileSystem) {
  auto v = MustOpen();
  std::vector<MetadataRecord> recs;
  for (int i = 0; i < 3000; ++i) {
    MetadataRecord r = SampleRecord("eu", i, kT0 + i);
    r.subject.assign(400, 'x');
    r.expires_at_ms = kT0 + kDay;
    recs.push_back(r);
  }
  ASSERT_TRUE(v->Commit(recs).ok());
  auto on_disk = [&] {
    std::error_code ec;
    auto wal = std::filesystem::file_size(RegionFile("eu") + "-wal", ec);
    return std::filesystem::file_size(RegionFile("eu")) + (ec ? 0 : wal);
  };
  auto big = on_disk();
  auto c = v->Sweep(kT0 + kDay);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)["eu"].records_deleted, 3000);
  EXPECT_TRUE((*c)["eu"].space_freed);
  auto small = on_disk();
  EXPECT_LT(small, big / 2) << big << " -> " << small;
}

TEST_F(SweepTest, AWalTruncateAReaderBlockedIsRetriedByTheNextSweep) {
  auto v = MustOpen();
  MetadataRecord r = SampleRecord("us", 1, kT0);
  r.expires_at_ms = kT0 + kDay;
  ASSERT_TRUE(v->Commit({r}).ok());
  // Another process's reader holds a snapshot from before the sweep.
  auto reader = OpenUsConnection();
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ASSERT_TRUE((*reader)->Exec("PRAGMA busy_timeout = 0").ok());
  ASSERT_TRUE((*reader)->Exec("BEGIN").ok());
  ASSERT_TRUE((*reader)->QueryInt("SELECT count(*) FROM records").ok());

  SweepCounts blocked = MustSweep(*v, "us", kT0 + kDay);
  EXPECT_EQ(blocked.records_deleted, 1);
  EXPECT_FALSE(blocked.space_freed);  // the WAL still holds the record's old frames

  ASSERT_TRUE((*reader)->Exec("COMMIT").ok());
  SweepCounts next = MustSweep(*v, "us", kT0 + kDay);
  EXPECT_EQ(next.records_deleted, 0);
  EXPECT_TRUE(next.space_freed);
  std::error_code ec;
  auto wal = std::filesystem::file_size(RegionFile("us") + "-wal", ec);
  if (!ec) {
    EXPECT_EQ(wal, 0u);
  }
}

}  // namespace
}  // namespace mailrelay::vault
