#include "vault/vault.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <barrier>
#include <filesystem>
#include <set>
#include <thread>

#include "keyring/key_set.h"
#include "vault/store_file.h"
#include "vault_test_util.h"

namespace mailrelay::vault {
namespace {

using ::testing::HasSubstr;
using testing::SampleRecord;

class VaultTest : public testing::VaultFixture {
 protected:
  // Replaces the master key file with a new, different key.
  void ReplaceMasterKey() {
    std::filesystem::remove(KeyPath());
    ASSERT_TRUE(keyring::CreateMasterKeyFile(KeyPath()).ok());
  }
  // Every record, newest first, paging through with `limit`.
  std::vector<MetadataRecord> All(Vault& v, MessageQuery q = {}, size_t limit = 7) {
    std::vector<MetadataRecord> out;
    q.limit = limit;
    for (int pages = 0; pages < 10000; ++pages) {
      auto page = v.ListMessages(q);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) break;
      out.insert(out.end(), page->records.begin(), page->records.end());
      if (page->next_cursor.empty()) break;
      q.cursor = page->next_cursor;
    }
    return out;
  }
};

void ExpectSameRecord(const MetadataRecord& a, const MetadataRecord& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.message_id_ref, b.message_id_ref);
  EXPECT_EQ(a.received_at_ms, b.received_at_ms);
  EXPECT_EQ(a.expires_at_ms, b.expires_at_ms);
  EXPECT_EQ(a.field_expires_at_ms, b.field_expires_at_ms);
  EXPECT_EQ(a.smtp_code, b.smtp_code);
  EXPECT_EQ(a.http_status, b.http_status);
  EXPECT_EQ(a.processing_ms, b.processing_ms);
  EXPECT_EQ(a.size, b.size);
  EXPECT_EQ(a.account, b.account);
  EXPECT_EQ(a.route, b.route);
  EXPECT_EQ(a.region, b.region);
  EXPECT_EQ(a.sender_ip, b.sender_ip);
  EXPECT_EQ(a.message_id, b.message_id);
  EXPECT_EQ(a.sender, b.sender);
  EXPECT_EQ(a.recipient, b.recipient);
  EXPECT_EQ(a.subject, b.subject);
  EXPECT_EQ(a.server_response, b.server_response);
}

TEST_F(VaultTest, CreateMakesOneFilePerRegionPlusControlWithKeyChecks) {
  ASSERT_NE(MustOpen(), nullptr);
  for (std::string name : {"vault-us.db", "vault-eu.db", "vault-ap.db", "control.db"}) {
    std::string path = DataDir() + "/" + name;
    EXPECT_TRUE(std::filesystem::exists(path)) << name;
    EXPECT_TRUE(std::filesystem::exists(KeyCheckPath(path))) << name;
  }
  struct stat st {};
  ASSERT_EQ(::stat(DataDir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(VaultTest, ReopenWithoutCreateFindsTheCommittedRecords) {
  MetadataRecord r = SampleRecord("eu", 1, 1'700'000'000'000);
  r.field_expires_at_ms = {{"sender_ip", r.received_at_ms + 7}, {"server_response", 9}};
  {
    auto v = MustOpen();
    ASSERT_TRUE(v->Commit({r}).ok());
  }
  auto v = MustOpen(/*create=*/false);
  ASSERT_NE(v, nullptr);
  auto all = All(*v);
  ASSERT_EQ(all.size(), 1u);
  ExpectSameRecord(all[0], r);
}

TEST_F(VaultTest, MissingDataDirWithoutCreateIsNotFound) {
  auto v = Vault::Open(Options(/*create=*/false));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(v.status().message(), HasSubstr("mailrelay keys init"));
}

TEST_F(VaultTest, MissingRegionFileWithoutCreateIsNotFoundAndNotCreated) {
  ASSERT_NE(MustOpen(), nullptr);
  std::filesystem::remove(RegionFile("eu"));
  auto v = Vault::Open(Options(/*create=*/false));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(v.status().message(), HasSubstr("vault file " + RegionFile("eu") + " missing"));
  EXPECT_FALSE(std::filesystem::exists(RegionFile("eu")));
}

TEST_F(VaultTest, AddedRegionIsCreatedOnlyWithCreate) {
  ASSERT_NE(MustOpen(), nullptr);
  VaultOptions o = Options(false);
  o.regions.push_back("ca");
  EXPECT_EQ(Vault::Open(o).status().code(), StatusCode::kNotFound);
  o.create_if_missing = true;
  EXPECT_TRUE(Vault::Open(o).ok());
}

TEST_F(VaultTest, WrongMasterKeyIsUnauthenticatedWithAClearMessage) {
  ASSERT_NE(MustOpen(), nullptr);
  ReplaceMasterKey();
  auto v = Vault::Open(Options(/*create=*/false));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(v.status().message(),
              HasSubstr("wrong master key or not a mailrelay vault (key check failed)"));
  EXPECT_THAT(v.status().message(), HasSubstr("vault file " + DataDir() + "/"));
}

TEST_F(VaultTest, WrongMasterKeyIsRefusedEvenWithCreate) {
  ASSERT_NE(MustOpen(), nullptr);
  ReplaceMasterKey();
  EXPECT_EQ(Vault::Open(Options(/*create=*/true)).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(VaultTest, WrongKeyFromTheEnvironmentIsUnauthenticated) {
  ASSERT_NE(MustOpen(), nullptr);
  ::setenv(keyring::kMasterKeyEnv,
           "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", 1);
  EXPECT_EQ(Vault::Open(Options(false)).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(VaultTest, WorldReadableMasterKeyFileIsRefused) {
  ASSERT_EQ(::chmod(KeyPath().c_str(), 0644), 0);
  auto v = Vault::Open(Options());
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(v.status().message(), HasSubstr("master key file " + KeyPath() + " has mode 0644"));
  EXPECT_THAT(v.status().message(), HasSubstr("chmod 600"));
  EXPECT_FALSE(std::filesystem::exists(DataDir()));  // refused before touching anything
}

TEST_F(VaultTest, MissingMasterKeyFileIsNotFound) {
  std::filesystem::remove(KeyPath());
  auto v = Vault::Open(Options());
  EXPECT_EQ(v.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(v.status().message(), HasSubstr("master key file " + KeyPath() + " missing"));
}

TEST_F(VaultTest, InvalidOptionsAreRefused) {
  VaultOptions o = Options();
  o.regions = {"eu", "eu"};
  EXPECT_EQ(Vault::Open(o).status().code(), StatusCode::kInvalidArgument);
  o.regions = {"EU/../x"};
  EXPECT_EQ(Vault::Open(o).status().code(), StatusCode::kInvalidArgument);
  o.regions = {"global"};
  EXPECT_EQ(Vault::Open(o).status().code(), StatusCode::kInvalidArgument);
  o.regions = {};
  EXPECT_EQ(Vault::Open(o).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(VaultTest, CommitToAnUnknownRegionWritesNothing) {
  auto v = MustOpen();
  Status s = v->Commit({SampleRecord("eu", 1, 1000), SampleRecord("mars", 2, 2000)});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("region 'mars'"));
  EXPECT_TRUE(All(*v).empty());
}

TEST_F(VaultTest, DuplicateIdFailsThatCommitOnly) {
  auto v = MustOpen();
  MetadataRecord a = SampleRecord("eu", 1, 1000);
  ASSERT_TRUE(v->Commit({a}).ok());
  MetadataRecord b = SampleRecord("eu", 2, 2000);
  Status s = v->Commit({b, a});
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  auto all = All(*v);
  ASSERT_EQ(all.size(), 1u);  // b was rolled back with its batch
  EXPECT_EQ(all[0].id, a.id);
}

TEST_F(VaultTest, ListMessagesPagesNewestFirstWithoutGapsOrRepeats) {
  auto v = MustOpen();
  std::vector<MetadataRecord> records;
  const char* regions[] = {"us", "eu", "ap"};
  for (int i = 0; i < 40; ++i) {
    // Some records share a millisecond: the id breaks the tie.
    records.push_back(SampleRecord(regions[i % 3], i, 1'000'000 + (i / 2) * 10));
  }
  ASSERT_TRUE(v->Commit(records).ok());
  auto all = All(*v, {}, 7);
  ASSERT_EQ(all.size(), 40u);
  std::set<std::string> ids;
  for (size_t i = 0; i < all.size(); ++i) {
    ids.insert(all[i].id);
    if (i > 0) {
      EXPECT_TRUE(all[i - 1].received_at_ms > all[i].received_at_ms ||
                  (all[i - 1].received_at_ms == all[i].received_at_ms && all[i - 1].id > all[i].id))
          << i;
    }
  }
  EXPECT_EQ(ids.size(), 40u);
}

TEST_F(VaultTest, LastPageHasNoCursorAndExactFitHasNoEmptyExtraPage) {
  auto v = MustOpen();
  ASSERT_TRUE(v->Commit({SampleRecord("eu", 1, 10), SampleRecord("us", 2, 20)}).ok());
  MessageQuery q;
  q.limit = 2;
  auto page = v->ListMessages(q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->records.size(), 2u);
  EXPECT_EQ(page->next_cursor, "");
  q.limit = 1;
  page = v->ListMessages(q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->records[0].received_at_ms, 20);
  EXPECT_NE(page->next_cursor, "");
}

TEST_F(VaultTest, ListMessagesFiltersByRouteStatusSinceAndRegion) {
  auto v = MustOpen();
  std::vector<MetadataRecord> rs;
  for (int i = 0; i < 12; ++i) {
    MetadataRecord r = SampleRecord(i % 2 ? "eu" : "us", i, 100 + i);
    r.route = i % 3 == 0 ? "billing" : "support";
    r.smtp_code = i % 4 == 0 ? 554 : (i % 4 == 1 ? 451 : 250);
    rs.push_back(r);
  }
  ASSERT_TRUE(v->Commit(rs).ok());
  auto count = [&](MessageQuery q, auto pred) {
    auto got = All(*v, q, 5);
    size_t expected = 0;
    for (const auto& r : rs) expected += pred(r) ? 1 : 0;
    EXPECT_EQ(got.size(), expected);
    for (const auto& r : got) EXPECT_TRUE(pred(r)) << r.id;
  };
  MessageQuery q;
  q.route = "billing";
  count(q, [](const MetadataRecord& r) { return r.route == "billing"; });
  q = {};
  q.status = MessageStatus::kDelivered;
  count(q, [](const MetadataRecord& r) { return r.smtp_code == 250; });
  q.status = MessageStatus::kRejected;
  count(q, [](const MetadataRecord& r) { return r.smtp_code == 554; });
  q.status = MessageStatus::kDelayed;
  count(q, [](const MetadataRecord& r) { return r.smtp_code == 451; });
  q = {};
  q.since_ms = 106;
  count(q, [](const MetadataRecord& r) { return r.received_at_ms >= 106; });
  q = {};
  q.region = "eu";
  count(q, [](const MetadataRecord& r) { return r.region == "eu"; });
  q.route = "support";
  q.status = MessageStatus::kDelivered;
  count(q, [](const MetadataRecord& r) {
    return r.region == "eu" && r.route == "support" && r.smtp_code == 250;
  });
}

TEST_F(VaultTest, BadCursorOrRegionInAQueryIsInvalidArgument) {
  auto v = MustOpen();
  MessageQuery q;
  q.cursor = "not-a-cursor!";
  EXPECT_EQ(v->ListMessages(q).status().code(), StatusCode::kInvalidArgument);
  q = {};
  q.region = "mars";
  EXPECT_EQ(v->ListMessages(q).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(VaultTest, ParseMessageStatusKnowsTheThreeOutcomes) {
  EXPECT_EQ(*ParseMessageStatus("delivered"), MessageStatus::kDelivered);
  EXPECT_EQ(*ParseMessageStatus("rejected"), MessageStatus::kRejected);
  EXPECT_EQ(*ParseMessageStatus("delayed"), MessageStatus::kDelayed);
  EXPECT_EQ(ParseMessageStatus("bounced").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(VaultTest, FindBySubjectFindsSenderAndRecipientAcrossRegions) {
  auto v = MustOpen();
  MetadataRecord a = SampleRecord("us", 1, 100);
  a.sender = "Alice@Example.COM";
  MetadataRecord b = SampleRecord("eu", 2, 200);
  b.recipient = "<alice@example.com>";
  MetadataRecord c = SampleRecord("ap", 3, 300);
  c.sender = c.recipient = "alice@example.com";   // both: still one result
  MetadataRecord d = SampleRecord("eu", 4, 400);  // someone else
  MetadataRecord e = SampleRecord("us", 5, 500);
  e.sender = "alice+tag@example.com";  // a different mailbox (tags are kept)
  ASSERT_TRUE(v->Commit({a, b, c, d, e}).ok());
  auto found = v->FindBySubject(" ALICE@example.com ");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_EQ(found->size(), 3u);
  EXPECT_EQ((*found)[0].id, c.id);  // newest first
  EXPECT_EQ((*found)[1].id, b.id);
  EXPECT_EQ((*found)[2].id, a.id);
  EXPECT_EQ((*found)[2].sender, "Alice@Example.COM");  // stored as given, found normalised
  EXPECT_TRUE(v->FindBySubject("nobody@example.com")->empty());
  EXPECT_EQ(v->FindBySubject("<>").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(VaultTest, NullSenderIsStoredButNeverIndexed) {
  auto v = MustOpen();
  MetadataRecord r = SampleRecord("eu", 1, 100);
  r.sender = "";
  ASSERT_TRUE(v->Commit({r}).ok());
  EXPECT_EQ(All(*v).at(0).sender, "");
  EXPECT_EQ(v->FindBySubject(r.recipient)->size(), 1u);
}

TEST_F(VaultTest, AuditPseudonymIsStableAcrossReopens) {
  std::string before;
  {
    auto v = MustOpen();
    before = *v->AuditPseudonym("alice@example.com");
  }
  auto v = MustOpen(false);
  EXPECT_EQ(*v->AuditPseudonym("Alice@Example.com"), before);
  EXPECT_NE(*v->AuditPseudonym("bob@example.com"), before);
  EXPECT_EQ(before.size(), 64u);
}

TEST_F(VaultTest, TwentyConcurrentWritersAreAllDurableFindableAndGrouped) {
  constexpr int kThreads = 20, kPerThread = 100;
  {
    auto v = MustOpen();
    std::barrier start(kThreads);
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        for (int i = 0; i < kPerThread; ++i) {
          int n = t * kPerThread + i;
          if (!v->Commit({SampleRecord(n % 2 ? "eu" : "us", n, 1000 + n)}).ok()) ++failures;
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(failures.load(), 0);
    auto stats = v->commit_stats();
    EXPECT_EQ(stats.batches, uint64_t{kThreads * kPerThread});
    EXPECT_LT(stats.transactions, stats.batches);  // commits were grouped
  }
  auto v = MustOpen(false);  // reopened: what was acknowledged is on disk
  EXPECT_EQ(All(*v, {}, 1000).size(), size_t{kThreads * kPerThread});
  for (int n : {0, 1, 777, 1999}) {
    auto found = v->FindBySubject("rcpt" + std::to_string(n) + "@example.com");
    ASSERT_TRUE(found.ok());
    ASSERT_EQ(found->size(), 1u) << n;
    EXPECT_EQ(found->at(0).subject, "Subject number " + std::to_string(n));
  }
}

}  // namespace
}  // namespace mailrelay::vault
