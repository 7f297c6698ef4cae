// tests/unit/vault/region_keys_test.cc — the Vault's side of the seam: keys loaded from the
// store's key table, a batch resealed inside the write, lookups under every blind-index version.
#include "vault/region_keys.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "keyring/master_key.h"
#include "memory_record_store.h"
#include "vault_test_util.h"

namespace mailrelay::vault {
namespace {

using ::testing::HasSubstr;
using testing::MemoryRecordStore;
using testing::SampleRecord;

class RegionKeysTest : public testing::VaultFixture {
 protected:
  std::unique_ptr<keyring::KeySet> Derive() {
    auto master = keyring::MasterKey::Load(KeyPath());
    return std::move(keyring::KeySet::Derive(*master, "eu")).value();
  }
  // Another process's view of the same key table (`keys rotate`).
  std::unique_ptr<keyring::KeySet> Other() {
    auto other = Derive();
    EXPECT_TRUE(
        store()
            .WithKeyTable([&](keyring::WrappedKeyStore& t) {
              return other->Load(t, {keyring::kPurposeField, keyring::kPurposeBlindIndex}, false);
            })
            .ok());
    return other;
  }
  // Made in SetUp, once the fixture's master key exists.
  void SetUp() override {
    testing::VaultFixture::SetUp();
    owned_keys_ = std::make_unique<RegionKeys>(Derive());
    owned_store_ = std::make_unique<MemoryRecordStore>(*owned_keys_);
  }
  void TearDown() override {
    owned_store_.reset();
    testing::VaultFixture::TearDown();
  }
  std::unique_ptr<RegionKeys> owned_keys_;
  std::unique_ptr<MemoryRecordStore> owned_store_;
  RegionKeys& keys() { return *owned_keys_; }
  MemoryRecordStore& store() { return *owned_store_; }
};

TEST_F(RegionKeysTest, LoadCreatesTheKeysInTheStoresTableOnlyWhenAsked) {
  Status missing = keys().Load(store(), /*create_missing=*/false);
  EXPECT_EQ(missing.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(missing.message(), HasSubstr("memory store"));
  ASSERT_TRUE(keys().Load(store(), /*create_missing=*/true).ok());
  EXPECT_EQ(keys().keys().active_field_version(), 1u);
}

TEST_F(RegionKeysTest, BatchSealedUnderAnOlderVersionIsResealedInTheWrite) {
  ASSERT_TRUE(keys().Load(store(), true).ok());
  MetadataRecord r = SampleRecord("eu", 1, 10);
  std::vector<StoredRecord> sealed{*SealRecord(keys().keys(), r)};
  std::vector<const MetadataRecord*> plain{&r};
  auto other = Other();
  ASSERT_TRUE(store()
                  .WithKeyTable([&](keyring::WrappedKeyStore& t) {
                    return other->AddFieldKeyVersion(t).status();
                  })
                  .ok());
  CommitBatch batch(&sealed);
  keys().KeepPlaintext(&batch, &plain);
  store().Enqueue(&batch);
  ASSERT_TRUE(store().Wait(&batch).ok()) << batch.status.ToString();
  EXPECT_EQ(sealed[0].key_version, 2u);
}

TEST_F(RegionKeysTest, BatchToResealWithoutItsPlaintextFails) {
  ASSERT_TRUE(keys().Load(store(), true).ok());
  std::vector<StoredRecord> sealed{*SealRecord(keys().keys(), SampleRecord("eu", 1, 10))};
  sealed[0].key_version = 9;
  CommitBatch batch(&sealed);
  store().Enqueue(&batch);
  Status s = store().Wait(&batch);
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("without its plaintext"));
  EXPECT_EQ(store().size(), 0u);
}

TEST_F(RegionKeysTest, FindByAddressLooksUnderEveryBlindIndexVersion) {
  ASSERT_TRUE(keys().Load(store(), true).ok());
  MetadataRecord old_record = SampleRecord("eu", 1, 10), new_record = SampleRecord("eu", 2, 20);
  new_record.sender = old_record.sender;
  std::vector<StoredRecord> first{*SealRecord(keys().keys(), old_record)};
  CommitBatch a(&first);
  store().Enqueue(&a);
  ASSERT_TRUE(store().Wait(&a).ok());
  auto other = Other();
  ASSERT_TRUE(store()
                  .WithKeyTable([&](keyring::WrappedKeyStore& t) {
                    return other
                        ->AddKeyVersions(t, {keyring::kPurposeField, keyring::kPurposeBlindIndex})
                        .status();
                  })
                  .ok());
  ASSERT_TRUE(keys().Refresh(store()).ok());
  EXPECT_EQ(keys().keys().active_blind_index_version(), 2u);
  std::vector<StoredRecord> second{*SealRecord(keys().keys(), new_record)};
  CommitBatch b(&second);
  store().Enqueue(&b);
  ASSERT_TRUE(store().Wait(&b).ok());
  auto found = keys().FindByAddress(store(), old_record.sender);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->size(), 2u);
}

}  // namespace
}  // namespace mailrelay::vault
