// tests/unit/vault/master_rotation_test.cc — `keys rotate-master` (vault/master_rotation.h):
// every file moved to the new master key with its wrapped keys re-wrapped, everything readable
// under the new key and nothing under the old one, a file held open, and a crash at each step
// of each file's re-key (RekeyStep fault injection) finished by running it again.
#include "vault/master_rotation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "keyring/key_set.h"
#include "keyring/signing_key.h"
#include "vault/audit_store.h"
#include "vault/key_table.h"
#include "vault/rekey.h"
#include "vault/rotation.h"
#include "vault/store_file.h"
#include "vault/token_store.h"
#include "vault_test_util.h"

namespace mailrelay::vault {
namespace {

using ::testing::HasSubstr;
using testing::SampleRecord;

const char* const kFiles[] = {"vault-ap.db", "vault-eu.db", "vault-us.db", "audit.db",
                              "control.db"};

class MasterRotationTest : public testing::VaultFixture {
 protected:
  void SetUp() override {
    VaultFixture::SetUp();
    ASSERT_TRUE(keyring::CreateMasterKeyFile(NewKeyPath()).ok());
    // What `keys init` and a working installation leave: records in every region, an API
    // token, the document-signing key, the audit log and its signing key.
    auto v = MustOpen();
    ASSERT_NE(v, nullptr);
    std::vector<MetadataRecord> batch;
    for (int i = 0; i < 30; ++i) {
      const char* region = i % 3 == 0 ? "us" : i % 3 == 1 ? "eu" : "ap";
      MetadataRecord r = SampleRecord(region, i, 1'700'000'000'000 + i);
      written_[r.id] = r;
      batch.push_back(r);
    }
    ASSERT_TRUE(v->Commit(batch).ok());
    auto tokens = v->Tokens();
    ASSERT_TRUE(tokens.ok());
    auto issued = (*tokens)->Create("admin", "ops");
    ASSERT_TRUE(issued.ok());
    token_ = issued->token;
    auto doc = v->DocumentSigningKey();
    ASSERT_TRUE(doc.ok());
    doc_public_ = (*doc)->PublicKey();
    auto audit = OpenAuditFiles({DataDir(), KeyPath(), /*create_if_missing=*/true});
    ASSERT_TRUE(audit.ok()) << audit.status().ToString();
    audit_public_ = audit->signing_key->PublicKey();
  }
  void TearDown() override {
    SetRekeyFaultForTesting(nullptr);
    VaultFixture::TearDown();
  }
  std::string NewKeyPath() const { return dir_.File("new.key"); }
  static keyring::MasterKey Load(const std::string& path) {
    return std::move(keyring::MasterKey::LoadFile(path)).value();
  }
  StatusOr<MasterRotateResult> Rotate(const std::string& old_path = "") {
    MasterRotateOptions o{DataDir(), {"us", "eu", "ap"}, {}};
    return RotateMasterKey(o, Load(old_path.empty() ? KeyPath() : old_path), Load(NewKeyPath()));
  }
  VaultOptions NewOptions() const {
    VaultOptions o = Options(false);
    o.master_key_path = NewKeyPath();
    return o;
  }
  // Everything the installation had, read through the public paths with the new key.
  void ExpectAllReadableWithTheNewKey() {
    auto v = Vault::Open(NewOptions());
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    std::map<std::string, MetadataRecord> read;
    MessageQuery q;
    q.limit = 1000;
    auto page = (*v)->ListMessages(q);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (auto& r : page->records) read[r.id] = r;
    ASSERT_EQ(read.size(), written_.size());
    for (const auto& [id, r] : written_) {
      EXPECT_EQ(read[id].subject, r.subject);
      EXPECT_EQ(read[id].sender, r.sender);
    }
    auto found = (*v)->FindBySubject(written_.begin()->second.sender);  // blind index still
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(found->size(), 1u);
    auto tokens = (*v)->Tokens();
    ASSERT_TRUE(tokens.ok());
    EXPECT_TRUE((*tokens)->Authenticate(token_).ok());
    auto doc = (*v)->DocumentSigningKey();
    ASSERT_TRUE(doc.ok());
    EXPECT_EQ((*doc)->PublicKey(), doc_public_);
    auto audit = OpenAuditFiles({DataDir(), NewKeyPath(), false});
    ASSERT_TRUE(audit.ok()) << audit.status().ToString();
    EXPECT_EQ(audit->signing_key->PublicKey(), audit_public_);
  }
  std::map<std::string, MetadataRecord> written_;
  std::string token_;
  keyring::SigningKey::PublicKeyBytes doc_public_{}, audit_public_{};
};

TEST_F(MasterRotationTest, MovesExpiryPartitionsToo) {
  {
    VaultOptions o = Options(false);
    o.partition_span_days = 1;
    auto v = Vault::Open(o);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    for (int i = 0; i < 2; ++i) {  // two partitions of us
      MetadataRecord r = SampleRecord("us", 100 + i, 1'700'000'000'000 + i * 86'400'000LL);
      written_[r.id] = r;
      ASSERT_TRUE((*v)->Commit({r}).ok());
    }
  }
  auto r = Rotate();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->files_rekeyed, 7u);
  std::vector<std::string> partitions;
  for (const auto& f : r->files) {
    if (f.file.rfind("vault-us.d/", 0) == 0) partitions.push_back(f.file);
  }
  ASSERT_EQ(partitions.size(), 2u);
  for (const std::string& f : partitions) {
    EXPECT_THAT(testing::ReadAll(DataDir() + "/" + f + ".keycheck"), HasSubstr(" us/"));
  }
  ExpectAllReadableWithTheNewKey();
}

TEST_F(MasterRotationTest, MovesEveryFileAndEverythingReadsBackUnderTheNewKey) {
  auto r = Rotate();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->files_rekeyed, 5u);
  EXPECT_EQ(r->files_already_done, 0u);
  // eu/us/ap: field + blind-index; control.db: audit-pseudonym, api-token, audit-signing,
  // document-signing; audit.db: none.
  EXPECT_EQ(r->keys_rewrapped, 10u);
  std::vector<std::string> order;
  for (const auto& f : r->files) order.push_back(f.file);
  EXPECT_EQ(order, std::vector<std::string>(std::begin(kFiles), std::end(kFiles)));
  for (const char* f : kFiles) {
    // Page-key version 1 of the new master: no sixth field, no copy or WAL left over.
    std::string line = testing::ReadAll(DataDir() + "/" + f + ".keycheck");
    EXPECT_EQ(std::count(line.begin(), line.end(), ' '), 4) << f << ": " << line;
    EXPECT_FALSE(std::filesystem::exists(DataDir() + "/" + f + ".rekey")) << f;
  }
  ExpectAllReadableWithTheNewKey();
  // The old key opens nothing any more, and says so.
  auto old = Vault::Open(Options(false));
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(old.status().message(), HasSubstr("wrong master key"));
  EXPECT_EQ(OpenAuditFiles({DataDir(), KeyPath(), false}).status().code(),
            StatusCode::kUnauthenticated);
  // Running it again changes nothing.
  auto again = Rotate();
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->files_rekeyed, 0u);
  EXPECT_EQ(again->files_already_done, 5u);
  ExpectAllReadableWithTheNewKey();
}

TEST_F(MasterRotationTest, RefusesTheSameKey) {
  MasterRotateOptions o{DataDir(), {"us", "eu", "ap"}, {}};
  auto r = RotateMasterKey(o, Load(KeyPath()), Load(KeyPath()));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(MasterRotationTest, AFileMatchingNeitherKeyIsNamedAndNothingChanges) {
  const std::string third = dir_.File("third.key");
  ASSERT_TRUE(keyring::CreateMasterKeyFile(third).ok());
  const std::string before = testing::ReadAll(RegionFile("ap") + ".keycheck");
  auto r = Rotate(third);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(r.status().message(), HasSubstr("vault-ap.db"));
  EXPECT_THAT(r.status().message(), HasSubstr("neither"));
  EXPECT_EQ(testing::ReadAll(RegionFile("ap") + ".keycheck"), before);
  EXPECT_NE(MustOpen(false), nullptr);  // still the old key's
}

TEST_F(MasterRotationTest, AFileOpenElsewhereStopsItBeforeAnythingChanges) {
  {
    auto serving = MustOpen(false);  // holds every region file, as serve does
    ASSERT_NE(serving, nullptr);
    auto r = Rotate();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
    EXPECT_THAT(r.status().message(), HasSubstr("stop serve"));
    EXPECT_EQ(serving->ListMessages(MessageQuery{}).status().code(), StatusCode::kOk);
  }
  EXPECT_NE(MustOpen(false), nullptr);  // nothing moved
  auto r = Rotate();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->files_rekeyed, 5u);
  ExpectAllReadableWithTheNewKey();
}

// A crash at either step of any file's re-key: running the command again finishes the job.
TEST_F(MasterRotationTest, ACrashAtEveryStepOfEveryFileIsFinishedByRunningItAgain) {
  const std::string pristine = dir_.File("pristine");
  std::filesystem::copy(DataDir(), pristine);
  for (size_t k = 0; k < std::size(kFiles); ++k) {
    for (RekeyStep step : {RekeyStep::kCopyWritten, RekeyStep::kCommitted}) {
      SCOPED_TRACE(std::string(kFiles[k]) +
                   (step == RekeyStep::kCopyWritten ? " copy written" : " committed"));
      std::filesystem::remove_all(DataDir());
      std::filesystem::copy(pristine, DataDir());
      const std::string target = DataDir() + "/" + kFiles[k];
      SetRekeyFaultForTesting([&](RekeyStep at, const std::string& path) {
        return at == step && path == target ? Status::Internal("injected crash") : Status::Ok();
      });
      auto crashed = Rotate();
      ASSERT_FALSE(crashed.ok());
      EXPECT_THAT(crashed.status().message(), HasSubstr("injected crash"));
      EXPECT_TRUE(std::filesystem::exists(RekeyCopyPath(target)));
      SetRekeyFaultForTesting(nullptr);
      auto resumed = Rotate();
      ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
      // Files before the crashed one were finished; the crashed one is finished by the rename
      // (after the commit point) or re-done (before it).
      const uint64_t before = k + (step == RekeyStep::kCommitted ? 1 : 0);
      EXPECT_EQ(resumed->files_already_done, before);
      EXPECT_EQ(resumed->files_rekeyed, std::size(kFiles) - before);
      EXPECT_FALSE(std::filesystem::exists(RekeyCopyPath(target)));
      ExpectAllReadableWithTheNewKey();
    }
  }
}

// A crash after control.db's commit point (the last file): serve started with the new key
// completes the rename itself, as it does for region files.
TEST_F(MasterRotationTest, OpeningWithTheNewKeyCompletesAControlFileReKeyPastItsCommitPoint) {
  const std::string control = DataDir() + "/control.db";
  SetRekeyFaultForTesting([&](RekeyStep at, const std::string& path) {
    return at == RekeyStep::kCommitted && path == control ? Status::Internal("injected crash")
                                                          : Status::Ok();
  });
  ASSERT_FALSE(Rotate().ok());
  SetRekeyFaultForTesting(nullptr);
  ExpectAllReadableWithTheNewKey();
  EXPECT_FALSE(std::filesystem::exists(RekeyCopyPath(control)));
}

// Page-key versions start over at 1 under the new master; `keys rotate` goes on from there.
TEST_F(MasterRotationTest, ARegionReKeyedBeforeStartsAtPageVersionOneAndRotatesOnAfterwards) {
  RotateOptions ro;
  ro.rekey_only = true;
  ASSERT_TRUE(RotateRegion(Options(false), "eu", ro).ok());
  ASSERT_EQ(PageKeyVersion(RegionFile("eu")), 2u);
  auto r = Rotate();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->files[1].page_from, 2u);
  EXPECT_EQ(PageKeyVersion(RegionFile("eu")), 1u);
  auto again = RotateRegion(NewOptions(), "eu", {});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->page_to, 2u);
  ExpectAllReadableWithTheNewKey();
}

// An unfinished `keys rotate` (its rotation.* rows) is carried into the new file and finishes
// under the new master key.
TEST_F(MasterRotationTest, AnUnfinishedRegionRotationCarriesOverAndFinishesUnderTheNewKey) {
  RotateOptions ro;
  ro.batch_size = 3;
  ro.max_batches = 1;
  auto partial = RotateRegion(Options(false), "eu", ro);
  ASSERT_TRUE(partial.ok()) << partial.status().ToString();
  ASSERT_FALSE(partial->finished);
  ASSERT_TRUE(Rotate().ok());
  auto rest = RotateRegion(NewOptions(), "eu", {});
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  EXPECT_TRUE(rest->resumed);
  EXPECT_TRUE(rest->finished);
  EXPECT_EQ(rest->field_to, 2u);
  EXPECT_EQ(rest->records_total, 10u);
  ExpectAllReadableWithTheNewKey();
}

// A connection that was waiting for a re-key's exclusive lock and got in only after the rename
// holds the replaced file: it is refused, so nothing is written there (the page-key version,
// reset to 1 by a master rotation, cannot tell).
TEST_F(MasterRotationTest, AConnectionToAFileReplacedWhileItWasOpeningIsRefused) {
  const std::string path = RegionFile("eu");
  const std::string replacement = dir_.File("replacement.db");
  std::filesystem::copy_file(path, replacement);
  auto master = keyring::MasterKey::LoadFile(KeyPath());
  auto keys = keyring::KeySet::Derive(*master, "eu", 1);
  ASSERT_TRUE(keys.ok());
  // What a re-key holds from before its export until after its rename.
  auto holder = OpenConnection(path, **keys);
  ASSERT_TRUE(holder.ok());
  ASSERT_EQ(*(*holder)->QueryText("PRAGMA journal_mode = DELETE"), "delete");
  ASSERT_TRUE((*holder)->Exec("PRAGMA locking_mode = EXCLUSIVE").ok());
  ASSERT_TRUE((*holder)->Exec("BEGIN EXCLUSIVE").ok());
  ASSERT_TRUE((*holder)->Exec("COMMIT").ok());
  Status waited;
  std::thread opener([&] {
    auto db = OpenConnection(path, **keys);  // waits in SQLite's busy handler
    waited = db.status();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::filesystem::rename(replacement, path);
  holder->reset();
  opener.join();
  EXPECT_EQ(waited.code(), StatusCode::kUnavailable) << waited.ToString();
  EXPECT_THAT(waited.message(), HasSubstr("replaced"));
}

}  // namespace
}  // namespace mailrelay::vault
