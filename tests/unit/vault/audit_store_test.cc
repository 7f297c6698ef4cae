// Tests for vault/audit_store.h: the audit log's SQLCipher file and the signing key loader.
#include "vault/audit_store.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <filesystem>
#include <fstream>

#include "../keyring/temp_dir.h"
#include "auditlog/hasher.h"
#include "keyring/key_set.h"
#include "keyring/master_key.h"
#include "keyring/signing_key.h"
#include "vault/key_table.h"
#include "vault/sqlite.h"
#include "vault/store_file.h"

namespace mailrelay::vault {
namespace {

using auditlog::Hash;
using auditlog::HashLeaf;
using auditlog::StoredHead;
using auditlog::StoredLeaf;
using testing::TempDir;

class AuditStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv(keyring::kMasterKeyEnv);
    ASSERT_TRUE(keyring::CreateMasterKeyFile(dir_.File("master.key")).ok());
    auto master = keyring::MasterKey::Load(dir_.File("master.key"));
    ASSERT_TRUE(master.ok());
    auto keys = keyring::KeySet::Derive(*master, kAuditScope);
    ASSERT_TRUE(keys.ok());
    keys_ = std::move(*keys);
  }
  StatusOr<std::unique_ptr<AuditStore>> Open(bool create = true) {
    return AuditStore::Open(dir_.File("audit.db"), *keys_, create);
  }
  static StoredLeaf Leaf(const std::string& text) { return {text, HashLeaf(text)}; }

  TempDir dir_;
  std::unique_ptr<keyring::KeySet> keys_;
};

TEST_F(AuditStoreTest, MissingFileIsNotCreatedWithoutCreate) {
  auto s = Open(/*create=*/false);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir_.File("audit.db")));
}

TEST_F(AuditStoreTest, NewStoreIsEmptyAndHasAKeyCheckFile) {
  auto s = Open();
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_TRUE(std::filesystem::exists(KeyCheckPath(dir_.File("audit.db"))));
  auto head = (*s)->LatestHead();
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->generation, 0u);
  EXPECT_EQ(*(*s)->LeafCount(), 0u);
  EXPECT_EQ((*s)->LeafHash(0).status().code(), StatusCode::kNotFound);
}

TEST_F(AuditStoreTest, WriteStoresLeavesNodesHeadsAndSettings) {
  auto s = Open();
  ASSERT_TRUE(s.ok());
  std::vector<StoredLeaf> leaves = {Leaf("a"), Leaf("b"), Leaf("c")};
  Hash ab = auditlog::HashChildren(leaves[0].leaf_hash, leaves[1].leaf_hash);
  Status w = (*s)->Write([&](auditlog::LogWriteTxn& txn) -> Status {
    MR_ASSIGN_OR_RETURN(uint64_t g, txn.Generation());
    EXPECT_EQ(g, 0u);
    MR_RETURN_IF_ERROR(txn.AppendLeaves(0, leaves));
    MR_RETURN_IF_ERROR(txn.PutSubtrees({{1, 0, ab}}));
    // Pending writes are visible inside the transaction.
    MR_ASSIGN_OR_RETURN(Hash seen, txn.PerfectSubtreeHash(1, 0));
    EXPECT_EQ(seen, ab);
    MR_RETURN_IF_ERROR(txn.PutSetting("origin", "example/log"));
    MR_RETURN_IF_ERROR(txn.PutSetting("origin", "example/log"));  // same value: fine
    EXPECT_EQ(txn.PutSetting("origin", "other").code(), StatusCode::kAlreadyExists);
    StoredHead h;
    h.generation = 1;
    h.size = 3;
    h.root = auditlog::HashChildren(ab, leaves[2].leaf_hash);
    h.frontier = {ab, leaves[2].leaf_hash};
    h.checkpoint = "note\n";
    h.created_at_ms = 42;
    return txn.PutHead(h);
  });
  ASSERT_TRUE(w.ok()) << w.message();
  auto entries = (*s)->ReadEntries(1, 10);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(*entries, (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(*(*s)->LeafHash(2), leaves[2].leaf_hash);
  EXPECT_EQ(*(*s)->PerfectSubtreeHash(1, 0), ab);
  EXPECT_EQ(*(*s)->LeafCount(), 3u);
  auto head = (*s)->LatestHead();
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->generation, 1u);
  EXPECT_EQ(head->size, 3u);
  EXPECT_EQ(head->frontier.size(), 2u);
  EXPECT_EQ(head->frontier[0], ab);
  EXPECT_EQ(head->checkpoint, "note\n");
  auto by_size = (*s)->HeadForSize(3);
  ASSERT_TRUE(by_size.ok() && by_size->has_value());
  EXPECT_EQ((*by_size)->generation, 1u);
  EXPECT_FALSE((*s)->HeadForSize(2)->has_value());
  EXPECT_EQ(*(*s)->Setting("origin"), std::optional<std::string>("example/log"));
  EXPECT_FALSE((*s)->Setting("nothing")->has_value());
}

TEST_F(AuditStoreTest, AFailedBodyLeavesNothing) {
  auto s = Open();
  ASSERT_TRUE(s.ok());
  Status w = (*s)->Write([&](auditlog::LogWriteTxn& txn) -> Status {
    MR_RETURN_IF_ERROR(txn.AppendLeaves(0, {Leaf("a")}));
    return Status::Internal("sign failed");
  });
  EXPECT_EQ(w.code(), StatusCode::kInternal);
  EXPECT_EQ(*(*s)->LeafCount(), 0u);
}

TEST_F(AuditStoreTest, AppendsOnlyAtTheEndAndHeadsOnlyInOrder) {
  auto s = Open();
  ASSERT_TRUE(s.ok());
  Status w = (*s)->Write([&](auditlog::LogWriteTxn& txn) -> Status {
    EXPECT_EQ(txn.AppendLeaves(1, {Leaf("a")}).code(), StatusCode::kFailedPrecondition);
    StoredHead h;
    h.generation = 2;
    h.root = auditlog::EmptyRoot();
    EXPECT_EQ(txn.PutHead(h).code(), StatusCode::kFailedPrecondition);
    return Status::Ok();
  });
  EXPECT_TRUE(w.ok());
}

TEST_F(AuditStoreTest, SqliteItselfRefusesUpdateAndDelete) {
  {
    auto s = Open();
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->Write([&](auditlog::LogWriteTxn& txn) -> Status {
                      MR_RETURN_IF_ERROR(txn.AppendLeaves(0, {Leaf("a")}));
                      MR_RETURN_IF_ERROR(txn.PutSubtrees({{1, 0, HashLeaf("x")}}));
                      MR_RETURN_IF_ERROR(txn.PutSetting("origin", "o"));
                      StoredHead h;
                      h.generation = 1;
                      h.size = 1;
                      h.root = HashLeaf("a");
                      h.frontier = {h.root};
                      h.checkpoint = "n\n";
                      return txn.PutHead(h);
                    })
                    .ok());
  }
  auto db = OpenConnection(dir_.File("audit.db"), *keys_);
  ASSERT_TRUE(db.ok()) << db.status().message();
  for (const char* sql : {"UPDATE audit_entries SET entry = x'00'", "DELETE FROM audit_entries",
                          "DELETE FROM audit_heads", "UPDATE audit_nodes SET hash = x'00'",
                          "DELETE FROM audit_settings"}) {
    Status st = (*db)->Exec(sql);
    EXPECT_FALSE(st.ok()) << sql;
  }
  auto s = Open(false);
  EXPECT_EQ(*(*s)->ReadEntries(0, 10), std::vector<std::string>{"a"});
}

TEST_F(AuditStoreTest, FileIsEncryptedAndAnotherMasterKeyIsRefused) {
  {
    auto s = Open();
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->Write([&](auditlog::LogWriteTxn& txn) {
                      return txn.AppendLeaves(0, {Leaf("{\"secret-marker\":1}")});
                    })
                    .ok());
  }
  std::string bytes;
  for (const char* f : {"audit.db", "audit.db-wal"}) {
    std::ifstream in(dir_.File(f), std::ios::binary);
    bytes.append(std::istreambuf_iterator<char>(in), {});
  }
  EXPECT_EQ(bytes.find("secret-marker"), std::string::npos);
  ASSERT_TRUE(keyring::CreateMasterKeyFile(dir_.File("other.key")).ok());
  auto other = keyring::MasterKey::Load(dir_.File("other.key"));
  auto other_keys = keyring::KeySet::Derive(*other, kAuditScope);
  auto s = AuditStore::Open(dir_.File("audit.db"), **other_keys, false);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnauthenticated);
}

TEST_F(AuditStoreTest, OpenAuditFilesKeepsOneWrappedSigningKeyInControlDb) {
  AuditFilesOptions o{dir_.path(), dir_.File("master.key"), false};
  EXPECT_EQ(OpenAuditFiles(o).status().code(), StatusCode::kNotFound);
  o.create_if_missing = true;
  auto first = OpenAuditFiles(o);
  ASSERT_TRUE(first.ok()) << first.status().message();
  auto pub = first->signing_key->PublicKey();
  first->store.reset();
  o.create_if_missing = false;
  auto again = OpenAuditFiles(o);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->signing_key->PublicKey(), pub);
  // Signatures verify with the public key.
  auto sig = again->signing_key->Sign("hello");
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(crypto_sign_verify_detached(
                sig->data(), reinterpret_cast<const unsigned char*>("hello"), 5, pub.data()),
            0);
  // The key is stored wrapped in control.db, purpose audit-signing, version 1.
  auto master = keyring::MasterKey::Load(dir_.File("master.key"));
  auto global = keyring::KeySet::Derive(*master, keyring::kGlobalScope);
  auto db = OpenStoreFile(dir_.File("control.db"), **global, FileKind::kControl, false);
  ASSERT_TRUE(db.ok());
  SqliteKeyStore store(**db);
  auto snap = store.LoadWrappedKeys();
  ASSERT_TRUE(snap.ok());
  int signing = 0;
  for (const auto& w : snap->keys) {
    if (w.purpose == keyring::kPurposeAuditSigning) {
      ++signing;
      EXPECT_EQ(w.version, 1u);
      std::string seed_hex(reinterpret_cast<const char*>(pub.data()), pub.size());
      EXPECT_EQ(w.wrapped.find(seed_hex), std::string::npos);
    }
  }
  EXPECT_EQ(signing, 1);
}

TEST_F(AuditStoreTest, AlteredWrappedSigningKeyIsDataLoss) {
  AuditFilesOptions o{dir_.path(), dir_.File("master.key"), true};
  ASSERT_TRUE(OpenAuditFiles(o).ok());
  auto master = keyring::MasterKey::Load(dir_.File("master.key"));
  auto global = keyring::KeySet::Derive(*master, keyring::kGlobalScope);
  {
    auto db = OpenStoreFile(dir_.File("control.db"), **global, FileKind::kControl, false);
    ASSERT_TRUE(db.ok());
    auto st = (*db)->Prepare(
        "UPDATE wrapped_keys SET wrapped = zeroblob(72) WHERE purpose = 'audit-signing'");
    ASSERT_TRUE(st.ok());
    ASSERT_TRUE(st->Run().ok());
  }
  o.create_if_missing = false;
  auto again = OpenAuditFiles(o);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace mailrelay::vault
