#include "vault/key_table.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "keyring/key_set.h"
#include "vault/store_file.h"
#include "vault_test_util.h"

namespace mailrelay::vault {
namespace {

class KeyTableTest : public testing::VaultFixture {
 protected:
  void SetUp() override {
    VaultFixture::SetUp();
    std::filesystem::create_directories(DataDir());
    auto master = keyring::MasterKey::Load(KeyPath());
    ASSERT_TRUE(master.ok());
    keys_ = std::move(keyring::KeySet::Derive(*master, "eu")).value();
    auto db = OpenStoreFile(RegionFile("eu"), *keys_, FileKind::kRegion, true);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    store_ = std::make_unique<SqliteKeyStore>(*db_);
  }
  std::unique_ptr<keyring::KeySet> keys_;
  std::unique_ptr<Db> db_;
  std::unique_ptr<SqliteKeyStore> store_;
};

TEST_F(KeyTableTest, FreshFileHasGenerationZeroAndNoKeys) {
  auto snap = store_->LoadWrappedKeys();
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->generation, 0u);
  EXPECT_TRUE(snap->keys.empty());
}

TEST_F(KeyTableTest, InsertAndDeleteEachMoveTheGeneration) {
  ASSERT_TRUE(store_
                  ->InsertWrappedKeys({{"field", 1, std::string(72, 'a'), 5},
                                       {"blind-index", 1, std::string(72, 'b'), 5}})
                  .ok());
  EXPECT_EQ(*store_->KeyGeneration(), 1u);
  auto snap = store_->LoadWrappedKeys();
  ASSERT_EQ(snap->keys.size(), 2u);
  EXPECT_EQ(snap->keys[0].purpose, "blind-index");  // sorted by purpose, version
  EXPECT_EQ(snap->keys[1].wrapped, std::string(72, 'a'));
  ASSERT_TRUE(store_->DeleteWrappedKey("field", 1).ok());
  EXPECT_EQ(*store_->KeyGeneration(), 2u);
  EXPECT_EQ(store_->LoadWrappedKeys()->keys.size(), 1u);
}

TEST_F(KeyTableTest, TakenVersionIsAlreadyExistsAndChangesNothing) {
  ASSERT_TRUE(store_->InsertWrappedKeys({{"field", 1, "x", 5}}).ok());
  Status s = store_->InsertWrappedKeys({{"field", 2, "y", 5}, {"field", 1, "z", 5}});
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(*store_->KeyGeneration(), 1u);
  EXPECT_EQ(store_->LoadWrappedKeys()->keys.size(), 1u);  // version 2 rolled back too
}

TEST_F(KeyTableTest, DeletingAnAbsentKeyIsNotFound) {
  EXPECT_EQ(store_->DeleteWrappedKey("field", 9).code(), StatusCode::kNotFound);
  EXPECT_EQ(*store_->KeyGeneration(), 0u);
}

TEST_F(KeyTableTest, SecondProcessSeesTheGenerationMove) {
  auto other_db = OpenConnection(RegionFile("eu"), *keys_);
  ASSERT_TRUE(other_db.ok());
  SqliteKeyStore other(**other_db);
  ASSERT_TRUE(keys_->Load(*store_, {keyring::kPurposeField}, true).ok());
  auto other_keys = keyring::KeySet::Derive(*keyring::MasterKey::Load(KeyPath()), "eu");
  ASSERT_TRUE((*other_keys)->Load(other, {keyring::kPurposeField}, false).ok());
  ASSERT_TRUE(keys_->AddFieldKeyVersion(*store_).ok());
  EXPECT_EQ((*other_keys)->active_field_version(), 1u);
  EXPECT_TRUE(*(*other_keys)->RefreshIfStale(other));
  EXPECT_EQ((*other_keys)->active_field_version(), 2u);
}

}  // namespace
}  // namespace mailrelay::vault
