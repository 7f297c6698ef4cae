#include "vault/record_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../keyring/memory_key_store.h"
#include "vault_test_util.h"

namespace mailrelay::vault {
namespace {

using ::testing::HasSubstr;
using testing::SampleRecord;

class RecordCodecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto master = keyring::MasterKey::FromHex(
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "test");
    ASSERT_TRUE(master.ok());
    keys_ = std::move(keyring::KeySet::Derive(*master, "eu")).value();
    ASSERT_TRUE(
        keys_->Load(store_, {keyring::kPurposeField, keyring::kPurposeBlindIndex}, true).ok());
  }
  keyring::MemoryKeyStore store_;
  std::unique_ptr<keyring::KeySet> keys_;
};

TEST_F(RecordCodecTest, SealThenOpenGivesTheRecordBack) {
  MetadataRecord r = SampleRecord("eu", 7, 5000);
  r.field_expires_at_ms = {{"sender_ip", 6000}, {"server_response", 5500}};
  auto stored = SealRecord(*keys_, r);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->key_version, 1u);
  EXPECT_EQ(stored->fields_expire_at_ms, 5500);
  EXPECT_EQ(stored->field_expires_at_ms[0], 6000);  // sender_ip
  auto back = OpenRecord(*keys_, *stored);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->subject, r.subject);
  EXPECT_EQ(back->sender, r.sender);
  EXPECT_EQ(back->server_response, r.server_response);
  EXPECT_EQ(back->field_expires_at_ms, r.field_expires_at_ms);
}

TEST_F(RecordCodecTest, NoPersonalFieldIsStoredInTheClear) {
  MetadataRecord r = SampleRecord("eu", 7, 5000);
  auto stored = SealRecord(*keys_, r);
  ASSERT_TRUE(stored.ok());
  for (const auto& blob : stored->sealed) {
    ASSERT_TRUE(blob.has_value());
    for (const std::string* plain :
         {&r.sender_ip, &r.message_id, &r.sender, &r.recipient, &r.subject, &r.server_response}) {
      EXPECT_EQ(blob->find(*plain), std::string::npos);
    }
  }
  // The row keeps a prefix of the blind index (reads decrypt and compare every candidate).
  EXPECT_EQ(stored->sender_index->size(), kStoredBlindIndexBytes);
  EXPECT_EQ(*stored->sender_index, keys_->BlindIndex(r.sender)->substr(0, kStoredBlindIndexBytes));
}

TEST_F(RecordCodecTest, FieldsSwappedWithinARecordFailToOpen) {
  auto stored = SealRecord(*keys_, SampleRecord("eu", 7, 5000));
  ASSERT_TRUE(stored.ok());
  std::swap(stored->sealed[2], stored->sealed[3]);  // sender <-> recipient
  auto back = OpenRecord(*keys_, *stored);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(back.status().message(), HasSubstr("record " + stored->id));
}

TEST_F(RecordCodecTest, ClearedFieldReadsAsEmpty) {
  auto stored = SealRecord(*keys_, SampleRecord("eu", 7, 5000));
  ASSERT_TRUE(stored.ok());
  stored->sealed[0].reset();  // the sweep cleared sender_ip
  auto back = OpenRecord(*keys_, *stored);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->sender_ip, "");
  EXPECT_FALSE(back->subject.empty());
}

TEST_F(RecordCodecTest, EmptyAddressGetsNoBlindIndex) {
  MetadataRecord r = SampleRecord("eu", 7, 5000);
  r.sender = "<>";
  auto stored = SealRecord(*keys_, r);
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->sender_index.has_value());
  EXPECT_TRUE(stored->recipient_index.has_value());
}

TEST_F(RecordCodecTest, MalformedRecordsAreRefused) {
  MetadataRecord r = SampleRecord("eu", 7, 5000);
  r.id = "alice@example.com";  // an id must never be able to carry an address
  EXPECT_EQ(SealRecord(*keys_, r).status().code(), StatusCode::kInvalidArgument);
  r = SampleRecord("eu", 7, 5000);
  r.message_id_ref.clear();
  EXPECT_EQ(SealRecord(*keys_, r).status().code(), StatusCode::kInvalidArgument);
  r = SampleRecord("us", 7, 5000);
  EXPECT_EQ(SealRecord(*keys_, r).status().code(), StatusCode::kInvalidArgument);
  r = SampleRecord("eu", 7, 5000);
  r.field_expires_at_ms["route"] = 1;
  auto s = SealRecord(*keys_, r);
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("not a personal field"));
}

TEST_F(RecordCodecTest, NewRecordsUseTheNewestKeyVersion) {
  ASSERT_TRUE(keys_->AddFieldKeyVersion(store_).ok());
  auto stored = SealRecord(*keys_, SampleRecord("eu", 7, 5000));
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->key_version, 2u);
  for (const auto& blob : stored->sealed) EXPECT_EQ(*keyring::KeySet::SealedKeyVersion(*blob), 2u);
}

}  // namespace
}  // namespace mailrelay::vault
