#include "keyring/key_set.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "memory_key_store.h"

namespace mailrelay::keyring {
namespace {

using ::testing::HasSubstr;

constexpr char kKeyA[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr char kKeyB[] = "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const std::vector<std::string> kRegionPurposes = {kPurposeField, kPurposeBlindIndex};

std::unique_ptr<KeySet> MustDerive(const char* hex, const std::string& scope) {
  auto master = MasterKey::FromHex(hex, "test");
  EXPECT_TRUE(master.ok());
  auto set = KeySet::Derive(*master, scope);
  EXPECT_TRUE(set.ok());
  return std::move(set).value();
}

// A region key set loaded (and created) on its own in-memory store.
struct Region {
  explicit Region(const std::string& scope, const char* hex = kKeyA)
      : keys(MustDerive(hex, scope)) {
    Status s = keys->Load(store, kRegionPurposes, /*create_missing=*/true);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  MemoryKeyStore store;
  std::unique_ptr<KeySet> keys;
};

std::string Seal(const KeySet& k, const std::string& id, const std::string& field,
                 const std::string& text) {
  auto s = k.SealField(id, field, text);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : "";
}

TEST(KeySetTest, DerivationIsPerScopeAndPerMasterKey) {
  EXPECT_EQ(MustDerive(kKeyA, "eu")->KeyCheckValue(), MustDerive(kKeyA, "eu")->KeyCheckValue());
  EXPECT_NE(MustDerive(kKeyA, "eu")->KeyCheckValue(), MustDerive(kKeyA, "us")->KeyCheckValue());
  EXPECT_NE(MustDerive(kKeyA, "eu")->KeyCheckValue(), MustDerive(kKeyB, "eu")->KeyCheckValue());
}

TEST(KeySetTest, EachPageKeyVersionIsADifferentKey) {
  auto master = MasterKey::FromHex(kKeyA, "test");
  auto v1 = KeySet::Derive(*master, "eu", 1), v2 = KeySet::Derive(*master, "eu", 2);
  ASSERT_TRUE(v1.ok() && v2.ok());
  EXPECT_EQ((*v1)->KeyCheckValue(), MustDerive(kKeyA, "eu")->KeyCheckValue());  // 1 = as before
  EXPECT_NE((*v1)->KeyCheckValue(), (*v2)->KeyCheckValue());
  EXPECT_EQ((*v2)->page_version(), 2u);
  EXPECT_EQ(KeySet::Derive(*master, "eu", 0).status().code(), StatusCode::kInvalidArgument);
}

TEST(KeySetTest, BlindIndexVersionsAddTogetherAndLookupsTryEveryHeldOne) {
  Region eu("eu");
  std::string before = *eu.keys->BlindIndex("Alice@Example.com");
  auto added = eu.keys->AddKeyVersions(eu.store, {kPurposeField, kPurposeBlindIndex});
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(*added, (std::vector<uint32_t>{2, 2}));
  EXPECT_EQ(eu.store.KeyGeneration().value(), 2u);  // one move for both
  std::string after = *eu.keys->BlindIndex("alice@example.com");
  EXPECT_NE(before, after);
  EXPECT_EQ(*eu.keys->BlindIndexes("alice@example.com"), (std::vector<std::string>{after, before}));
  EXPECT_EQ(eu.keys->DestroyKeyVersion(eu.store, kPurposeBlindIndex, 2).code(),
            StatusCode::kFailedPrecondition);
  ASSERT_TRUE(eu.keys->DestroyKeyVersion(eu.store, kPurposeBlindIndex, 1).ok());
  EXPECT_EQ(*eu.keys->BlindIndexes("alice@example.com"), std::vector<std::string>{after});
  EXPECT_EQ(eu.keys->KeyVersions(kPurposeBlindIndex), std::vector<uint32_t>{2});
  EXPECT_EQ(eu.keys->AddKeyVersions(eu.store, {kPurposeApiToken}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(KeySetTest, PageKeyIsLentAsSqlCipherRawKeyString) {
  auto k = MustDerive(kKeyA, "eu");
  std::string shape;
  Status s = k->WithPageKeyHex([&](std::string_view text) {
    shape = std::string(text.substr(0, 2)) + std::to_string(text.size()) + text.back();
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(shape, "x'67'");
}

TEST(KeySetTest, LoadCreatesEachMissingPurposeOnceAndMovesTheGeneration) {
  Region eu("eu");
  EXPECT_EQ(eu.store.keys().size(), 2u);
  EXPECT_EQ(eu.keys->generation(), 1u);
  EXPECT_EQ(eu.keys->active_field_version(), 1u);
  // A second process loads the same keys instead of creating new ones.
  auto other = MustDerive(kKeyA, "eu");
  ASSERT_TRUE(other->Load(eu.store, kRegionPurposes, /*create_missing=*/true).ok());
  EXPECT_EQ(eu.store.keys().size(), 2u);
  EXPECT_EQ(*other->OpenField("r1", "subject", Seal(*eu.keys, "r1", "subject", "hi")), "hi");
}

TEST(KeySetTest, LoadWithoutCreateOnAnEmptyStoreSaysRunKeysInit) {
  MemoryKeyStore store;
  auto k = MustDerive(kKeyA, "eu");
  Status s = k->Load(store, kRegionPurposes, /*create_missing=*/false);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("mailrelay keys init"));
}

TEST(KeySetTest, SealedFieldRoundTripsIncludingEmptyText) {
  Region eu("eu");
  for (std::string text :
       {std::string(), std::string("Quarterly report"), std::string(5000, 'x')}) {
    std::string blob = Seal(*eu.keys, "01J0000000000000000000000A", "subject", text);
    EXPECT_EQ(blob.size(), text.size() + kSealOverhead);
    auto opened = eu.keys->OpenField("01J0000000000000000000000A", "subject", blob);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    EXPECT_EQ(*opened, text);
  }
}

TEST(KeySetTest, SealingTheSameTextTwiceGivesDifferentCiphertexts) {
  Region eu("eu");
  EXPECT_NE(Seal(*eu.keys, "r1", "subject", "same"), Seal(*eu.keys, "r1", "subject", "same"));
}

TEST(KeySetTest, FlippingAnyBitOfASealedFieldFailsToOpen) {
  Region eu("eu");
  std::string blob = Seal(*eu.keys, "r1", "sender", "alice@example.com");
  for (size_t i = 0; i < blob.size(); ++i) {
    for (int bit : {0, 7}) {
      std::string bad = blob;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      auto opened = eu.keys->OpenField("r1", "sender", bad);
      ASSERT_FALSE(opened.ok()) << "byte " << i << " bit " << bit;
      EXPECT_THAT(opened.status().message(), HasSubstr("sealed field 'sender' of record r1"));
    }
  }
}

TEST(KeySetTest, TruncatedSealedFieldIsDataLoss) {
  Region eu("eu");
  std::string blob = Seal(*eu.keys, "r1", "sender", "alice@example.com");
  for (size_t n : {size_t{0}, size_t{4}, kSealOverhead - 1, blob.size() - 1}) {
    auto opened = eu.keys->OpenField("r1", "sender", blob.substr(0, n));
    ASSERT_FALSE(opened.ok()) << n;
    EXPECT_EQ(opened.status().code(), StatusCode::kDataLoss) << n;
  }
}

TEST(KeySetTest, CiphertextMovedToAnotherFieldFailsToOpen) {
  Region eu("eu");
  std::string blob = Seal(*eu.keys, "r1", "sender", "alice@example.com");
  auto opened = eu.keys->OpenField("r1", "recipient", blob);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(opened.status().message(), HasSubstr("another record, field or region"));
}

TEST(KeySetTest, CiphertextMovedToAnotherRecordFailsToOpen) {
  Region eu("eu");
  std::string blob = Seal(*eu.keys, "r1", "subject", "Secret plans");
  auto opened = eu.keys->OpenField("r2", "subject", blob);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kDataLoss);
}

TEST(KeySetTest, CiphertextMovedToAnotherRegionFailsToOpen) {
  Region eu("eu"), us("us");
  std::string blob = Seal(*eu.keys, "r1", "subject", "Secret plans");
  auto opened = us.keys->OpenField("r1", "subject", blob);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kDataLoss);
}

TEST(KeySetTest, WrappedKeysOfOneRegionDoNotUnwrapInAnother) {
  // Even with the same master key, a region's wrapped keys are bound to its scope.
  Region eu("eu");
  auto us = MustDerive(kKeyA, "us");
  Status s = us->Load(eu.store, kRegionPurposes, /*create_missing=*/false);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("failed to unwrap"));
}

TEST(KeySetTest, WrongMasterKeyCannotUnwrap) {
  Region eu("eu");
  auto wrong = MustDerive(kKeyB, "eu");
  EXPECT_EQ(wrong->Load(eu.store, kRegionPurposes, false).code(), StatusCode::kDataLoss);
}

TEST(KeySetTest, AlteredOrRelabelledWrappedKeyFailsToLoad) {
  {
    Region eu("eu");
    eu.store.keys()[0].wrapped[30] ^= 1;
    EXPECT_EQ(MustDerive(kKeyA, "eu")->Load(eu.store, kRegionPurposes, false).code(),
              StatusCode::kDataLoss);
  }
  {
    Region eu("eu");
    for (auto& k : eu.store.keys()) k.version = 2;  // claims another version
    EXPECT_EQ(MustDerive(kKeyA, "eu")->Load(eu.store, kRegionPurposes, false).code(),
              StatusCode::kDataLoss);
  }
  {
    Region eu("eu");
    std::swap(eu.store.keys()[0].purpose, eu.store.keys()[1].purpose);  // index key as field key
    EXPECT_EQ(MustDerive(kKeyA, "eu")->Load(eu.store, kRegionPurposes, false).code(),
              StatusCode::kDataLoss);
  }
}

TEST(KeySetTest, SealedFieldCarriesTheActiveKeyVersion) {
  Region eu("eu");
  EXPECT_EQ(*KeySet::SealedKeyVersion(Seal(*eu.keys, "r", "subject", "a")), 1u);
  ASSERT_EQ(*eu.keys->AddFieldKeyVersion(eu.store), 2u);
  EXPECT_EQ(eu.keys->active_field_version(), 2u);
  EXPECT_EQ(*KeySet::SealedKeyVersion(Seal(*eu.keys, "r", "subject", "a")), 2u);
}

TEST(KeySetTest, OldVersionStillOpensUntilDestroyedThenNever) {
  Region eu("eu");
  std::string v1 = Seal(*eu.keys, "r1", "subject", "before rotation");
  ASSERT_TRUE(eu.keys->AddFieldKeyVersion(eu.store).ok());
  std::string v2 = Seal(*eu.keys, "r1", "subject", "after rotation");
  EXPECT_EQ(*eu.keys->OpenField("r1", "subject", v1), "before rotation");

  ASSERT_TRUE(eu.keys->DestroyFieldKeyVersion(eu.store, 1).ok());
  auto opened = eu.keys->OpenField("r1", "subject", v1);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(opened.status().message(), HasSubstr("key version 1 is not available"));
  EXPECT_EQ(*eu.keys->OpenField("r1", "subject", v2), "after rotation");
}

TEST(KeySetTest, ABlobRelabelledWithTheSurvivingVersionStillFails) {
  // After destroying v1, rewriting a v1 blob's version bytes to 2 must not make it open.
  Region eu("eu");
  std::string v1 = Seal(*eu.keys, "r1", "subject", "before rotation");
  ASSERT_TRUE(eu.keys->AddFieldKeyVersion(eu.store).ok());
  ASSERT_TRUE(eu.keys->DestroyFieldKeyVersion(eu.store, 1).ok());
  v1[4] = 2;
  EXPECT_EQ(eu.keys->OpenField("r1", "subject", v1).status().code(), StatusCode::kDataLoss);
}

TEST(KeySetTest, DestroyingTheActiveVersionIsRefused) {
  Region eu("eu");
  Status s = eu.keys->DestroyFieldKeyVersion(eu.store, 1);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(eu.keys->HasFieldVersion(1));
}

TEST(KeySetTest, AnotherProcessSeesADestroyedVersionAfterRefresh) {
  Region eu("eu");
  auto other = MustDerive(kKeyA, "eu");
  ASSERT_TRUE(other->Load(eu.store, kRegionPurposes, false).ok());
  std::string v1 = Seal(*other, "r1", "subject", "x");
  ASSERT_TRUE(eu.keys->AddFieldKeyVersion(eu.store).ok());
  ASSERT_TRUE(eu.keys->DestroyFieldKeyVersion(eu.store, 1).ok());
  EXPECT_TRUE(other->HasFieldVersion(1));  // stale cache until it checks the generation
  auto refreshed = other->RefreshIfStale(eu.store);
  ASSERT_TRUE(refreshed.ok());
  EXPECT_TRUE(*refreshed);
  EXPECT_FALSE(other->HasFieldVersion(1));
  EXPECT_EQ(other->active_field_version(), 2u);
  EXPECT_FALSE(other->OpenField("r1", "subject", v1).ok());
  EXPECT_FALSE(*other->RefreshIfStale(eu.store));  // nothing moved since
}

TEST(KeySetTest, BlindIndexIsDeterministicOverTheNormalisedAddress) {
  Region eu("eu");
  auto a = eu.keys->BlindIndex("Alice@Example.com");
  auto b = eu.keys->BlindIndex(" <alice@example.COM>");
  auto c = eu.keys->BlindIndex("alice+x@example.com");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->size(), kBlindIndexBytes);
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
}

TEST(KeySetTest, BlindIndexDiffersBetweenRegions) {
  Region eu("eu"), us("us");
  EXPECT_NE(*eu.keys->BlindIndex("alice@example.com"), *us.keys->BlindIndex("alice@example.com"));
}

TEST(KeySetTest, BlindIndexOfAnEmptyAddressIsRefused) {
  Region eu("eu");
  EXPECT_EQ(eu.keys->BlindIndex(" <> ").status().code(), StatusCode::kInvalidArgument);
}

TEST(KeySetTest, AuditPseudonymIsTheSameForEveryHolderOfTheGlobalKey) {
  MemoryKeyStore store;
  auto g1 = MustDerive(kKeyA, kGlobalScope);
  ASSERT_TRUE(g1->Load(store, {kPurposeAuditPseudonym}, true).ok());
  auto g2 = MustDerive(kKeyA, kGlobalScope);
  ASSERT_TRUE(g2->Load(store, {kPurposeAuditPseudonym}, false).ok());
  auto p1 = g1->AuditPseudonym("Alice@Example.com");
  auto p2 = g2->AuditPseudonym("alice@example.com");
  ASSERT_TRUE(p1.ok() && p2.ok());
  EXPECT_EQ(*p1, *p2);
  EXPECT_EQ(p1->size(), 64u);
  EXPECT_NE(*p1, *g1->AuditPseudonym("bob@example.com"));
}

TEST(KeySetTest, RegionKeySetHasNoAuditPseudonymKey) {
  Region eu("eu");
  EXPECT_EQ(eu.keys->AuditPseudonym("alice@example.com").status().code(),
            StatusCode::kFailedPrecondition);
}

// Master-key rotation: every row re-wrapped under another master's wrapping key opens there,
// to the same key (what it sealed still opens), and no longer under the old one.
TEST(KeySetTest, RewrapMovesEveryRowToTheNewMastersWrappingKey) {
  Region old_eu("eu", kKeyA);
  const std::string sealed = Seal(*old_eu.keys, "r1", "subject", "hello");
  auto old_index = old_eu.keys->BlindIndex("a@example.org");
  ASSERT_TRUE(old_index.ok());
  auto snap = old_eu.store.LoadWrappedKeys();
  ASSERT_TRUE(snap.ok());
  std::unique_ptr<KeySet> new_eu = MustDerive(kKeyB, "eu");
  MemoryKeyStore moved;
  std::vector<WrappedKey> rows;
  for (const WrappedKey& w : snap->keys) {
    auto r = old_eu.keys->Rewrap(w, *new_eu);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->purpose, w.purpose);
    EXPECT_EQ(r->version, w.version);
    EXPECT_EQ(r->created_at_ms, w.created_at_ms);
    EXPECT_NE(r->wrapped, w.wrapped);
    rows.push_back(*r);
  }
  ASSERT_TRUE(moved.InsertWrappedKeys(rows).ok());
  ASSERT_TRUE(new_eu->Load(moved, kRegionPurposes, /*create_missing=*/false).ok());
  auto opened = new_eu->OpenField("r1", "subject", sealed);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, "hello");
  EXPECT_EQ(*new_eu->BlindIndex("a@example.org"), *old_index);
  // The old master's key set cannot unwrap the moved rows.
  std::unique_ptr<KeySet> again_old = MustDerive(kKeyA, "eu");
  EXPECT_EQ(again_old->Load(moved, kRegionPurposes, false).code(), StatusCode::kDataLoss);
  // A row of another scope, or rows already moved, do not re-wrap.
  std::unique_ptr<KeySet> new_us = MustDerive(kKeyB, "us");
  EXPECT_EQ(old_eu.keys->Rewrap(snap->keys[0], *new_us).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(old_eu.keys->Rewrap(rows[0], *new_eu).status().code(), StatusCode::kDataLoss);
}

TEST(KeySetTest, MasterKeyEqualsComparesTheKeys) {
  auto a = MasterKey::FromHex(kKeyA, "a"), a2 = MasterKey::FromHex(kKeyA, "a2"),
       b = MasterKey::FromHex(kKeyB, "b");
  ASSERT_TRUE(a.ok() && a2.ok() && b.ok());
  EXPECT_TRUE(a->Equals(*a2));
  EXPECT_FALSE(a->Equals(*b));
}

}  // namespace
}  // namespace mailrelay::keyring
