// tests/unit/vault/sqlcipher_region_store_test.cc — the SQLCipher backend under the Vault: what
// lands in which file, tampered ciphertext, and a reseal inside the writer's transaction.
#include "vault/sqlcipher_region_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "keyring/key_set.h"
#include "vault/key_table.h"
#include "vault/region_keys.h"
#include "vault/store_file.h"
#include "vault_test_util.h"

namespace mailrelay::vault {
namespace {

using ::testing::HasSubstr;
using testing::SampleRecord;

// Tests that reach under the Vault: the raw files, as another process or an attacker sees them.
class SqlcipherRegionStoreTest : public testing::VaultFixture {
 protected:
  struct Raw {
    std::unique_ptr<keyring::KeySet> keys;
    std::unique_ptr<Db> db;
  };
  Raw Connect(const std::string& region) {
    auto master = keyring::MasterKey::Load(KeyPath());
    Raw raw;
    raw.keys = std::move(keyring::KeySet::Derive(*master, region)).value();
    raw.db = std::move(OpenConnection(RegionFile(region), *raw.keys)).value();
    SqliteKeyStore store(*raw.db);
    EXPECT_TRUE(
        raw.keys->Load(store, {keyring::kPurposeField, keyring::kPurposeBlindIndex}, false).ok());
    return raw;
  }
  int64_t Count(const std::string& region) {
    return *Connect(region).db->QueryInt("SELECT count(*) FROM records");
  }
};

TEST_F(SqlcipherRegionStoreTest, RecordsLandOnlyInTheirRegionsFile) {
  {
    auto v = MustOpen();
    ASSERT_TRUE(
        v->Commit({SampleRecord("eu", 1, 10), SampleRecord("eu", 2, 20), SampleRecord("ap", 3, 30)})
            .ok());
  }
  EXPECT_EQ(Count("eu"), 2);
  EXPECT_EQ(Count("ap"), 1);
  EXPECT_EQ(Count("us"), 0);
  auto eu = Connect("eu");
  EXPECT_EQ(*eu.db->QueryInt("SELECT count(*) FROM records WHERE region <> 'eu'"), 0);
}

TEST_F(SqlcipherRegionStoreTest, CiphertextCopiedToAnotherRecordInTheFileFailsToOpen) {
  MetadataRecord a = SampleRecord("eu", 1, 10), b = SampleRecord("eu", 2, 20);
  {
    auto v = MustOpen();
    ASSERT_TRUE(v->Commit({a, b}).ok());
  }
  {
    auto raw = Connect("eu");
    auto s = raw.db->Prepare(
        "UPDATE records SET subject = (SELECT subject FROM records WHERE id = ?1) WHERE id = ?2");
    s->BindText(1, a.id);
    s->BindText(2, b.id);
    ASSERT_TRUE(s->Run().ok());
  }
  auto v = MustOpen(false);
  auto page = v->ListMessages({});
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(page.status().message(), HasSubstr("sealed field 'subject' of record " + b.id));
}

TEST_F(SqlcipherRegionStoreTest, CiphertextCopiedFromAnotherRegionFailsToOpen) {
  MetadataRecord e = SampleRecord("eu", 1, 10), u = SampleRecord("us", 2, 20);
  u.id = e.id;  // same record id in both files: only the region (and key) differ
  {
    auto v = MustOpen();
    ASSERT_TRUE(v->Commit({e, u}).ok());
  }
  std::string us_blob;
  {
    auto raw = Connect("us");
    auto s = raw.db->Prepare("SELECT sender FROM records");
    ASSERT_TRUE(*s->Step());
    us_blob = s->Blob(0);
  }
  {
    auto raw = Connect("eu");
    auto s = raw.db->Prepare("UPDATE records SET sender = ?1");
    s->BindBlob(1, us_blob);
    ASSERT_TRUE(s->Run().ok());
  }
  auto v = MustOpen(false);
  MessageQuery q;
  q.region = "eu";
  EXPECT_EQ(v->ListMessages(q).status().code(), StatusCode::kDataLoss);
}

TEST_F(SqlcipherRegionStoreTest, RecordsSealedWithADestroyedVersionNeverOpenAgain) {
  MetadataRecord old_record = SampleRecord("eu", 1, 10);
  auto v = MustOpen();
  ASSERT_TRUE(v->Commit({old_record}).ok());
  {
    // Another process (`keys rotate`) adds version 2 and destroys version 1.
    auto raw = Connect("eu");
    SqliteKeyStore store(*raw.db);
    ASSERT_EQ(*raw.keys->AddFieldKeyVersion(store), 2u);
    ASSERT_TRUE(raw.keys->DestroyFieldKeyVersion(store, 1).ok());
  }
  // The running vault notices the generation move: new records use version 2 …
  MetadataRecord new_record = SampleRecord("eu", 2, 20);
  ASSERT_TRUE(v->Commit({new_record}).ok());
  auto raw = Connect("eu");
  auto s = raw.db->Prepare("SELECT key_version FROM records WHERE id = ?1");
  s->BindText(1, new_record.id);
  ASSERT_TRUE(*s->Step());
  EXPECT_EQ(s->Int(0), 2);
  // … and the old record cannot be read by anyone.
  auto found = v->FindBySubject(old_record.sender);
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(found.status().message(), HasSubstr("key version 1 is not available"));
  EXPECT_EQ(v->FindBySubject(new_record.sender)->size(), 1u);
}

TEST_F(SqlcipherRegionStoreTest, BatchSealedJustBeforeADestructionIsResealed) {
  // Seal with version 1, destroy version 1 behind the writer's back, then write the batch.
  auto v = MustOpen();
  auto raw = Connect("eu");
  MetadataRecord r = SampleRecord("eu", 1, 10);
  std::vector<StoredRecord> sealed{*SealRecord(*raw.keys, r)};
  std::vector<const MetadataRecord*> plain{&r};
  ASSERT_EQ(sealed[0].key_version, 1u);
  {
    SqliteKeyStore store(*raw.db);
    ASSERT_TRUE(raw.keys->AddFieldKeyVersion(store).ok());
    ASSERT_TRUE(raw.keys->DestroyFieldKeyVersion(store, 1).ok());
  }
  auto master = keyring::MasterKey::Load(KeyPath());
  RegionKeys guard(std::move(raw.keys));
  auto store = SqlcipherRegionStore::Open(
      RegionFile("eu"), std::move(keyring::KeySet::Derive(*master, "eu")).value(), guard, false);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE(guard.Load(**store, false).ok());
  CommitBatch batch(&sealed);
  guard.KeepPlaintext(&batch, &plain);
  (*store)->Enqueue(&batch);
  ASSERT_TRUE((*store)->Wait(&batch).ok());
  EXPECT_EQ(sealed[0].key_version, 2u);
}

}  // namespace
}  // namespace mailrelay::vault
