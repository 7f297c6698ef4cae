// The blind-index table and its tail (schema v3): lookups see both, the merge moves the tail
// in, and the triggers keep both true to `records` whatever changes a row.
#include "vault/blind_index_table.h"

#include <gtest/gtest.h>

#include "keyring/key_set.h"
#include "vault/store_file.h"
#include "vault_test_util.h"

namespace mailrelay::vault {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int64_t kDayMs = 86'400'000;

class BlindIndexTableTest : public testing::VaultFixture {
 protected:
  void SetUp() override {
    VaultFixture::SetUp();
    vault_ = MustOpen();
    ASSERT_NE(vault_, nullptr);
    auto master = keyring::MasterKey::Load(KeyPath());
    keys_ = std::move(keyring::KeySet::Derive(*master, "eu")).value();
    auto db = OpenConnection(RegionFile("eu"), *keys_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }
  int64_t Count(const char* sql) {
    auto n = db_->QueryInt(sql);
    EXPECT_TRUE(n.ok()) << sql << ": " << n.status().ToString();
    return n.ok() ? *n : -1;
  }
  // How many records FindBySubject returns for `address`.
  size_t Found(const std::string& address) {
    auto found = vault_->FindBySubject(address);
    EXPECT_TRUE(found.ok()) << found.status().ToString();
    return found.ok() ? found->size() : 0;
  }
  void Merge() {
    auto moved = MergeIndexTail(*db_);
    ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  }
  void Exec(const std::string& sql) { ASSERT_TRUE(db_->Exec(sql.c_str()).ok()) << sql; }
  // Records 0..5 with 30-day lifetimes ending 1, 3, 5, ... 11 hours into the day after kT0's,
  // merged; returns that day's start.
  int64_t CommitSixExpiringInOneDay() {
    const int64_t day_start = (kT0 / kDayMs + 1) * kDayMs;
    for (int n = 0; n < 6; ++n) {
      EXPECT_TRUE(vault_
                      ->Commit({testing::SampleRecord(
                          "eu", n, day_start - 30 * kDayMs + (2 * n + 1) * 3'600'000)})
                      .ok());
    }
    Merge();
    return day_start;
  }
  // After records 0..2 of CommitSixExpiringInOneDay and their entries are gone: only 3..5's
  // entries are left, and the cut-off is cleared.
  void ExpectOnlyTheLaterThreeIndexed() {
    EXPECT_EQ(Count("SELECT count(*) FROM blind_index"), 6);
    EXPECT_EQ(Count("SELECT count(*) FROM blind_index WHERE seq NOT IN (SELECT seq FROM records)"),
              0);
    EXPECT_EQ(Count("SELECT count(*) FROM index_sweep"), 0);
    EXPECT_EQ(Found("sender0@example.org"), 0u);
    EXPECT_EQ(Found("sender2@example.org"), 0u);
    EXPECT_EQ(Found("sender3@example.org"), 1u);
    EXPECT_EQ(Found("rcpt5@example.com"), 1u);
  }

  std::unique_ptr<Vault> vault_;
  std::unique_ptr<keyring::KeySet> keys_;
  std::unique_ptr<Db> db_;
};

TEST_F(BlindIndexTableTest, NewRecordsWaitInTheTailAndAreFoundThere) {
  ASSERT_TRUE(vault_->Commit({testing::SampleRecord("eu", 1, kT0)}).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM index_tail"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM blind_index"), 0);
  EXPECT_EQ(*CountIndexTail(*db_), 1);
  EXPECT_EQ(Found("sender1@example.org"), 1u);
  EXPECT_EQ(Found("rcpt1@example.com"), 1u);
  EXPECT_EQ(Found("sender2@example.org"), 0u);
}

TEST_F(BlindIndexTableTest, TheMergeMovesEveryEntryAndLookupsStillFindEachRecordOnce) {
  MetadataRecord both = testing::SampleRecord("eu", 2, kT0 + 40 * kDayMs);
  both.recipient = "SENDER1@example.org";  // the same subject as record 1's sender
  ASSERT_TRUE(vault_->Commit({testing::SampleRecord("eu", 1, kT0), both}).ok());
  auto moved = MergeIndexTail(*db_);
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(*moved, 2);
  EXPECT_EQ(Count("SELECT count(*) FROM index_tail"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM blind_index"), 4);
  EXPECT_EQ(Count("SELECT count(DISTINCT day) FROM blind_index"), 2);
  EXPECT_EQ(Found("sender1@example.org"), 2u);
  // A record whose sender and recipient are the same subject has one entry and is found once.
  MetadataRecord self = testing::SampleRecord("eu", 3, kT0);
  self.recipient = self.sender;
  ASSERT_TRUE(vault_->Commit({self}).ok());
  EXPECT_EQ(Found("sender3@example.org"), 1u);
  Merge();
  EXPECT_EQ(Count("SELECT count(*) FROM blind_index"), 5);
  EXPECT_EQ(Found("sender3@example.org"), 1u);
  // Half in the tail, half merged: both halves found.
  ASSERT_TRUE(vault_->Commit({testing::SampleRecord("eu", 1, kT0 + kDayMs)}).ok());
  EXPECT_EQ(Found("sender1@example.org"), 3u);
}

// The writer merges by itself once the tail holds kIndexMergeRows records.
TEST_F(BlindIndexTableTest, TheWriterMergesALongTail) {
  std::vector<MetadataRecord> batch;
  for (int64_t n = 0; n < kIndexMergeRows; ++n) {
    batch.push_back(testing::SampleRecord("eu", static_cast<int>(n), kT0 + n * 60'000));
  }
  ASSERT_TRUE(vault_->Commit(std::move(batch)).ok());
  // The merge runs after the commit's caller is woken; the next commit waits for it.
  ASSERT_TRUE(vault_->Commit({testing::SampleRecord("eu", 900000, kT0)}).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM index_tail"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM blind_index"), 2 * kIndexMergeRows);
  EXPECT_EQ(Found("sender77@example.org"), 1u);
  EXPECT_EQ(Found("rcpt900000@example.com"), 1u);
}

// A store that wrote merges its tail when it closes (a partition's writes end with its day); one
// that only read leaves the file as it found it.
TEST_F(BlindIndexTableTest, ClosingAfterWritingMergesTheTail) {
  ASSERT_TRUE(vault_->Commit({testing::SampleRecord("eu", 1, kT0)}).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM index_tail"), 1);
  {
    auto reader = MustOpen();  // a second process, as `mailrelay messages`: reads, then closes
    ASSERT_NE(reader, nullptr);
    ASSERT_TRUE(reader->FindBySubject("sender1@example.org").ok());
  }
  EXPECT_EQ(Count("SELECT count(*) FROM index_tail"), 1);
  vault_.reset();
  EXPECT_EQ(Count("SELECT count(*) FROM index_tail"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM blind_index"), 2);
  vault_ = MustOpen();
  EXPECT_EQ(Found("sender1@example.org"), 1u);
}

// A lookup's statements stay prepared between lookups, but none keeps a read snapshot open
// after it: a checkpoint can still take the whole WAL.
TEST_F(BlindIndexTableTest, ALookupKeepsNoReadSnapshot) {
  ASSERT_TRUE(vault_->Commit({testing::SampleRecord("eu", 1, kT0)}).ok());
  EXPECT_EQ(Found("sender1@example.org"), 1u);  // from the tail
  Merge();
  EXPECT_EQ(Found("sender1@example.org"), 1u);  // from the table
  EXPECT_EQ(Found("sender1@example.org"), 1u);  // the same statements again
  ASSERT_TRUE(vault_->Commit({testing::SampleRecord("eu", 2, kT0)}).ok());
  auto busy = db_->QueryInt("PRAGMA wal_checkpoint(TRUNCATE)");  // its first column
  ASSERT_TRUE(busy.ok()) << busy.status().ToString();
  EXPECT_EQ(*busy, 0);
}

// A deleted record (the sweep, an erasure) takes its entries along, from the tail or the table.
TEST_F(BlindIndexTableTest, DeletingARecordDeletesItsEntries) {
  ASSERT_TRUE(vault_->Commit({testing::SampleRecord("eu", 1, kT0)}).ok());
  Merge();
  ASSERT_TRUE(vault_->Commit({testing::SampleRecord("eu", 2, kT0)}).ok());
  Exec("DELETE FROM records");
  EXPECT_EQ(Count("SELECT count(*) FROM blind_index"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM index_tail"), 0);
  EXPECT_EQ(Found("sender1@example.org"), 0u);
  EXPECT_EQ(Found("sender2@example.org"), 0u);
}

// A cleared field (the sweep), a new prefix (key rotation) or a new expiry day (a shorter
// policy) moves the entries with it, for merged records and for records in the tail alike.
TEST_F(BlindIndexTableTest, ChangingAPrefixOrTheExpiryDayMovesTheEntries) {
  ASSERT_TRUE(vault_->Commit({testing::SampleRecord("eu", 1, kT0)}).ok());
  Merge();
  ASSERT_TRUE(vault_->Commit({testing::SampleRecord("eu", 2, kT0)}).ok());
  Exec("UPDATE records SET sender_index = NULL");
  EXPECT_EQ(Found("sender1@example.org"), 0u);
  EXPECT_EQ(Found("sender2@example.org"), 0u);
  EXPECT_EQ(Found("rcpt1@example.com"), 1u);
  EXPECT_EQ(Found("rcpt2@example.com"), 1u);
  EXPECT_EQ(Count("SELECT count(*) FROM blind_index"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM index_tail WHERE sender_index IS NULL"), 1);

  Exec("UPDATE records SET recipient_index = x'0102030405060708'");
  EXPECT_EQ(Found("rcpt1@example.com"), 0u);
  EXPECT_EQ(Count("SELECT count(*) FROM blind_index WHERE term = x'0102030405060708'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM index_tail WHERE recipient_index = x'0102030405060708'"),
            1);

  Exec("UPDATE records SET expires_at_ms = expires_at_ms - 10 * 86400000");
  const int64_t day = (kT0 + 20 * kDayMs) / kDayMs;
  EXPECT_EQ(Count(("SELECT count(*) FROM blind_index WHERE day = " + std::to_string(day)).c_str()),
            1);
  EXPECT_EQ(Count(("SELECT count(*) FROM index_tail WHERE day = " + std::to_string(day)).c_str()),
            1);
  // Merging after all that leaves one entry per record, under its current day and prefix.
  Merge();
  EXPECT_EQ(Count("SELECT count(*) FROM blind_index"), 2);
  EXPECT_EQ(Count(("SELECT count(*) FROM blind_index WHERE day = " + std::to_string(day) +
                   " AND term = x'0102030405060708'")
                      .c_str()),
            2);
}

// A merge that fails leaves the tail as it was: nothing is lost, and lookups still find it.
TEST_F(BlindIndexTableTest, AFailedMergeLeavesTheTail) {
  ASSERT_TRUE(vault_->Commit({testing::SampleRecord("eu", 1, kT0)}).ok());
  Exec("BEGIN IMMEDIATE");  // another writer holds the lock for longer than the busy timeout
  auto other = OpenConnection(RegionFile("eu"), *keys_);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->Exec("PRAGMA busy_timeout = 50").ok());
  auto moved = MergeIndexTail(**other);
  EXPECT_FALSE(moved.ok());
  EXPECT_NE(moved.status().message().find("blind-index merge in"), std::string::npos)
      << moved.status().ToString();
  Exec("ROLLBACK");
  EXPECT_FALSE((*other)->in_transaction());
  EXPECT_EQ(Count("SELECT count(*) FROM index_tail"), 1);
  EXPECT_EQ(Found("sender1@example.org"), 1u);
}

// Schema v4: the sweep deletes the records, then their entries in one pass in key order; when it
// ends, no entry of a deleted record is left and the cut-off is gone.
TEST_F(BlindIndexTableTest, TheSweepDeletesTheEntriesOfTheRecordsItDeletes) {
  for (int n = 0; n < 6; ++n) {
    ASSERT_TRUE(vault_->Commit({testing::SampleRecord("eu", n, kT0 + n * 20 * kDayMs)}).ok());
  }
  Merge();
  ASSERT_TRUE(vault_->Commit({testing::SampleRecord("eu", 6, kT0)}).ok());  // in the tail
  ASSERT_EQ(Count("SELECT count(*) FROM blind_index"), 12);
  // Records 0, 1 and 6 expire 30 and 50 days after kT0; 2..5 later.
  auto swept = vault_->Sweep(kT0 + 60 * kDayMs, /*dry_run=*/false);
  ASSERT_TRUE(swept.ok()) << swept.status().ToString();
  EXPECT_EQ(swept->at("eu").records_deleted, 3u);
  EXPECT_EQ(Count("SELECT count(*) FROM blind_index"), 8);
  EXPECT_EQ(Count("SELECT count(*) FROM blind_index WHERE seq NOT IN (SELECT seq FROM records)"),
            0);
  EXPECT_EQ(Count("SELECT count(*) FROM index_tail"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM index_sweep"), 0);
  EXPECT_EQ(Found("sender1@example.org"), 0u);
  EXPECT_EQ(Found("sender2@example.org"), 1u);
}

// While a cut-off is set, a record deleted below it (by anyone: here an erasure's plain DELETE)
// leaves its entries; the pass deletes those, never an entry whose record still exists (a
// sweep run with --now far ahead while serve writes new records), and clears the cut-off.
TEST_F(BlindIndexTableTest, ThePassDeletesOnlyEntriesWhoseRecordIsGone) {
  ASSERT_TRUE(
      vault_->Commit({testing::SampleRecord("eu", 1, kT0), testing::SampleRecord("eu", 2, kT0)})
          .ok());
  Merge();
  auto cutoff = SetIndexSweepCutoff(*db_, kT0 + 400 * kDayMs);
  ASSERT_TRUE(cutoff.ok());
  EXPECT_EQ(*cutoff, kT0 + 400 * kDayMs);
  Exec("DELETE FROM records WHERE id = (SELECT min(id) FROM records)");
  EXPECT_EQ(Count("SELECT count(*) FROM blind_index"), 4);  // the deleted record's stay
  Exec("BEGIN IMMEDIATE");
  auto pass = SweptEntries::Start(*db_, *cutoff);
  ASSERT_TRUE(pass.ok()) << pass.status().ToString();
  auto first = pass->Step(1);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, 1);                                     // entries looked at
  EXPECT_EQ(Count("SELECT count(*) FROM index_sweep"), 1);  // maybe more to do: kept
  auto rest = pass->Step(100);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(*rest, 3);
  EXPECT_EQ(Count("SELECT count(*) FROM index_sweep"), 0);  // all done: cleared
  Exec("COMMIT");
  EXPECT_EQ(Count("SELECT count(*) FROM blind_index"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM blind_index WHERE seq NOT IN (SELECT seq FROM records)"),
            0);
  // Without a cut-off, a delete takes its entries along at once again.
  Exec("DELETE FROM records");
  EXPECT_EQ(Count("SELECT count(*) FROM blind_index"), 0);
}

// The steady state: a sweep every few minutes deletes records that expired earlier the same
// UTC day, beside records that expire later that day. The deleted records' entries wait for the
// pass (not one random leaf each from the trigger); the live ones' entries stay.
TEST_F(BlindIndexTableTest, ASweepInTheMiddleOfADayLeavesTodaysEntriesToThePass) {
  const int64_t day_start = CommitSixExpiringInOneDay();
  const int64_t now = day_start + 6 * 3'600'000;  // records 0, 1, 2 are past their lifetime
  auto cutoff = SetIndexSweepCutoff(*db_, IndexSweepCutoff(now));
  ASSERT_TRUE(cutoff.ok());
  Exec("DELETE FROM records WHERE expires_at_ms <= " + std::to_string(now));
  EXPECT_EQ(Count("SELECT count(*) FROM blind_index"), 12);  // the trigger left them
  Exec("BEGIN IMMEDIATE");
  auto pass = SweptEntries::Start(*db_, *cutoff);
  ASSERT_TRUE(pass.ok());
  int steps = 0;
  while (true) {  // one entry per step: the pass must resume after live entries, not rescan
    auto n = pass->Step(1);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    if (*n == 0) break;
    ASSERT_LT(++steps, 100);
  }
  Exec("COMMIT");
  EXPECT_EQ(steps, 12);  // every entry of the day looked at once
  ExpectOnlyTheLaterThreeIndexed();
}

// Through Vault::Sweep: records expired earlier today go with their entries, later ones stay.
TEST_F(BlindIndexTableTest, TheSweepAtMidDayDeletesTheEntriesOfWhatItDeletes) {
  const int64_t day_start = CommitSixExpiringInOneDay();
  auto swept = vault_->Sweep(day_start + 6 * 3'600'000, /*dry_run=*/false);
  ASSERT_TRUE(swept.ok()) << swept.status().ToString();
  EXPECT_EQ(swept->at("eu").records_deleted, 3u);
  ExpectOnlyTheLaterThreeIndexed();
}

// A cut-off a failed sweep left is never lowered by the next one (it covers entries that sweep
// already left behind).
TEST_F(BlindIndexTableTest, ALeftCutoffIsNeverLowered) {
  ASSERT_TRUE(SetIndexSweepCutoff(*db_, 5 * kDayMs).ok());
  auto kept = SetIndexSweepCutoff(*db_, 3 * kDayMs);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(*kept, 5 * kDayMs);
  EXPECT_EQ(Count("SELECT before_ms FROM index_sweep"), 5 * kDayMs);
  EXPECT_EQ(Count("SELECT count(*) FROM index_sweep"), 1);
  EXPECT_EQ(IndexSweepCutoff(5 * kDayMs + 123), 5 * kDayMs + 124);  // just past `now`
  auto needed = IndexSweepNeeded(*db_, 0);
  ASSERT_TRUE(needed.ok());
  EXPECT_TRUE(*needed);  // the left cut-off alone makes the next sweep run the pass
}

}  // namespace
}  // namespace mailrelay::vault
