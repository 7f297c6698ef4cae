// tests/unit/vault/record_store_seam_test.cc — the Vault over an in-memory RecordStore: commit,
// list, find, erase and sweep work without any SQLCipher region file, and the store sees only
// ciphertext.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "keyring/master_key.h"
#include "memory_record_store.h"
#include "vault/record_store.h"
#include "vault/vault.h"
#include "vault_test_util.h"

namespace mailrelay::vault {
namespace {

using testing::MemoryRecordStore;
using testing::SampleRecord;

class RecordStoreSeamTest : public testing::VaultFixture {
 protected:
  std::unique_ptr<Vault> OpenOnMemory() {
    RecordStoreFactory factory = [this](
                                     const std::string& region, const keyring::MasterKey&,
                                     WriteGuard& guard) -> StatusOr<std::unique_ptr<RecordStore>> {
      auto store = std::make_unique<MemoryRecordStore>(guard);
      stores_[region] = store.get();
      return std::unique_ptr<RecordStore>(std::move(store));
    };
    auto v = Vault::Open(Options(), factory);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? std::move(v).value() : nullptr;
  }
  std::map<std::string, MemoryRecordStore*> stores_;
};

TEST_F(RecordStoreSeamTest, NoRegionFileIsCreated) {
  auto v = OpenOnMemory();
  ASSERT_NE(v, nullptr);
  ASSERT_TRUE(v->Commit({SampleRecord("eu", 1, 10)}).ok());
  for (const char* region : {"us", "eu", "ap"}) {
    EXPECT_FALSE(std::filesystem::exists(RegionFile(region))) << region;
  }
  EXPECT_EQ(stores_.size(), 3u);
}

TEST_F(RecordStoreSeamTest, CommitAndListThroughTheStore) {
  auto v = OpenOnMemory();
  ASSERT_NE(v, nullptr);
  ASSERT_TRUE(
      v->Commit({SampleRecord("eu", 1, 10), SampleRecord("us", 2, 20), SampleRecord("eu", 3, 30)})
          .ok());
  EXPECT_EQ(stores_["eu"]->size(), 2u);
  EXPECT_EQ(stores_["us"]->size(), 1u);
  EXPECT_EQ(v->commit_stats().batches, 2u);

  MessageQuery q;
  q.limit = 2;
  auto first = v->ListMessages(q);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->records.size(), 2u);
  EXPECT_EQ(first->records[0].subject, "Subject number 3");
  EXPECT_EQ(first->records[1].sender, "sender2@example.org");
  ASSERT_FALSE(first->next_cursor.empty());
  q.cursor = first->next_cursor;
  auto second = v->ListMessages(q);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->records.size(), 1u);
  EXPECT_EQ(second->records[0].recipient, "rcpt1@example.com");
  EXPECT_TRUE(second->next_cursor.empty());
}

TEST_F(RecordStoreSeamTest, TheStoreHoldsOnlyCiphertextAndPrefixes) {
  auto v = OpenOnMemory();
  ASSERT_NE(v, nullptr);
  MetadataRecord r = SampleRecord("eu", 7, 70);
  ASSERT_TRUE(v->Commit({r}).ok());
  auto rows = stores_["eu"]->List({}, std::nullopt, 10);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  const StoredRecord& stored = rows->front();
  for (const auto& sealed : stored.sealed) {
    ASSERT_TRUE(sealed.has_value());
    for (const std::string& plain : {r.sender, r.recipient, r.subject, r.sender_ip}) {
      EXPECT_EQ(sealed->find(plain), std::string::npos);
    }
  }
  EXPECT_EQ(stored.sender_index->size(), kStoredBlindIndexBytes);
}

TEST_F(RecordStoreSeamTest, FindBySubjectUsesTheStoresIndexPrefixes) {
  auto v = OpenOnMemory();
  ASSERT_NE(v, nullptr);
  MetadataRecord a = SampleRecord("eu", 1, 10), b = SampleRecord("ap", 2, 20);
  b.recipient = a.sender;
  ASSERT_TRUE(v->Commit({a, b, SampleRecord("us", 3, 30)}).ok());
  auto found = v->FindBySubject(a.sender);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_EQ(found->size(), 2u);
  EXPECT_EQ((*found)[0].id, b.id);  // newest first
  EXPECT_EQ((*found)[1].id, a.id);
}

TEST_F(RecordStoreSeamTest, EraseDecryptsOnTheVaultsSideAndDeletesRowsInTheStore) {
  auto v = OpenOnMemory();
  ASSERT_NE(v, nullptr);
  MetadataRecord a = SampleRecord("eu", 1, 10), b = SampleRecord("eu", 2, 20);
  b.recipient = a.sender;
  ASSERT_TRUE(v->Commit({a, b, SampleRecord("eu", 3, 30)}).ok());

  auto dry = v->EraseSubject(a.sender, /*dry_run=*/true);
  ASSERT_TRUE(dry.ok()) << dry.status().ToString();
  EXPECT_EQ(dry->records_by_region.at("eu"), 2u);
  EXPECT_EQ(stores_["eu"]->size(), 3u);

  auto erased = v->EraseSubject(a.sender, /*dry_run=*/false);
  ASSERT_TRUE(erased.ok()) << erased.status().ToString();
  EXPECT_EQ(erased->records_by_region.at("eu"), 2u);
  EXPECT_EQ(erased->records_by_region.at("us"), 0u);
  EXPECT_TRUE(erased->space_freed);
  EXPECT_EQ(stores_["eu"]->size(), 1u);
  EXPECT_EQ(stores_["eu"]->reclaims, 1);
  EXPECT_EQ(stores_["us"]->reclaims, 0);
  EXPECT_TRUE(v->FindBySubject(a.sender)->empty());
}

TEST_F(RecordStoreSeamTest, SweepGoesThroughTheStore) {
  auto v = OpenOnMemory();
  ASSERT_NE(v, nullptr);
  MetadataRecord gone = SampleRecord("eu", 1, 10), cleared = SampleRecord("eu", 2, 20);
  gone.expires_at_ms = 1000;
  cleared.field_expires_at_ms["sender_ip"] = 1000;
  ASSERT_TRUE(v->Commit({gone, cleared}).ok());
  auto dry = v->Sweep(5000, /*dry_run=*/true);
  ASSERT_TRUE(dry.ok());
  EXPECT_EQ(dry->at("eu").records_deleted, 1);
  EXPECT_EQ(stores_["eu"]->size(), 2u);

  auto swept = v->Sweep(5000);
  ASSERT_TRUE(swept.ok()) << swept.status().ToString();
  EXPECT_EQ(swept->at("eu").records_deleted, 1);
  EXPECT_EQ(swept->at("eu").fields_cleared.at("sender_ip"), 1);
  auto page = v->ListMessages({});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->records.size(), 1u);
  EXPECT_EQ(page->records[0].id, cleared.id);
  EXPECT_EQ(page->records[0].sender_ip, "");
  EXPECT_EQ(page->records[0].sender, cleared.sender);
  EXPECT_TRUE(v->Verify().ok());
}

}  // namespace
}  // namespace mailrelay::vault
