// tests/unit/vault/rotation_test.cc — `keys rotate` (vault/rotation.h): re-encryption, the
// destroyed versions, resuming, concurrent commits, the page re-key and its crash recovery.
#include "vault/rotation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>

#include "keyring/key_set.h"
#include "vault/key_table.h"
#include "vault/rekey.h"
#include "vault/store_file.h"
#include "vault_test_util.h"

namespace mailrelay::vault {
namespace {

using ::testing::HasSubstr;
using testing::SampleRecord;

class RotationTest : public testing::VaultFixture {
 protected:
  struct Raw {
    std::unique_ptr<keyring::KeySet> keys;
    std::unique_ptr<Db> db;
  };
  // A connection to a region file as another process sees it, with the page key the key-check
  // file names (or `page`).
  Raw Connect(const std::string& region, uint32_t page = 0) {
    auto master = keyring::MasterKey::Load(KeyPath());
    const std::string path = RegionFile(region);
    Raw raw;
    raw.keys =
        std::move(keyring::KeySet::Derive(*master, region, page ? page : PageKeyVersion(path)))
            .value();
    auto db = OpenConnection(path, *raw.keys);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    if (!db.ok()) return raw;
    raw.db = std::move(db).value();
    SqliteKeyStore store(*raw.db);
    EXPECT_TRUE(
        raw.keys->Load(store, {keyring::kPurposeField, keyring::kPurposeBlindIndex}, false).ok());
    return raw;
  }
  int64_t OlderThan(const std::string& region, uint32_t version) {
    auto raw = Connect(region);
    auto s = raw.db->Prepare("SELECT count(*) FROM records WHERE key_version < ?1");
    s->BindInt(1, version);
    EXPECT_TRUE(*s->Step());
    return s->Int(0);
  }
  // Commits `n` records to `region` in commits of 100; returns them by id.
  std::map<std::string, MetadataRecord> Fill(Vault& v, const std::string& region, int n,
                                             int first = 0) {
    std::map<std::string, MetadataRecord> out;
    std::vector<MetadataRecord> batch;
    for (int i = first; i < first + n; ++i) {
      MetadataRecord r = SampleRecord(region, i, 1'700'000'000'000 + i);
      r.sender = "sender" + std::to_string(i % 7) + "@example.org";  // shared subjects
      out[r.id] = r;
      batch.push_back(r);
      if (batch.size() == 100 || i + 1 == first + n) {
        EXPECT_TRUE(v.Commit(std::move(batch)).ok());
        batch.clear();
      }
    }
    return out;
  }
  // Every record of `region`, through the public read path, by id.
  std::map<std::string, MetadataRecord> ReadAll(Vault& v, const std::string& region) {
    std::map<std::string, MetadataRecord> out;
    MessageQuery q;
    q.region = region;
    q.limit = 1000;
    while (true) {
      auto page = v.ListMessages(q);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) break;
      for (auto& r : page->records) out[r.id] = r;
      if (page->next_cursor.empty()) break;
      q.cursor = page->next_cursor;
    }
    return out;
  }
  static void ExpectSame(const MetadataRecord& a, const MetadataRecord& b) {
    EXPECT_EQ(a.sender_ip, b.sender_ip);
    EXPECT_EQ(a.message_id, b.message_id);
    EXPECT_EQ(a.sender, b.sender);
    EXPECT_EQ(a.recipient, b.recipient);
    EXPECT_EQ(a.subject, b.subject);
    EXPECT_EQ(a.server_response, b.server_response);
    EXPECT_EQ(a.received_at_ms, b.received_at_ms);
    EXPECT_EQ(a.message_id_ref, b.message_id_ref);
  }
  StatusOr<RotateResult> Rotate(RotateOptions ro = {}, const std::string& region = "eu") {
    return RotateRegion(Options(false), region, ro);
  }
};

TEST_F(RotationTest, ReencryptsEveryRecordAndTheyReadBackIdentically) {
  std::map<std::string, MetadataRecord> written;
  {
    auto v = MustOpen();
    written = Fill(*v, "eu", 2500);
    Fill(*v, "us", 10);
  }
  RotateOptions ro;
  ro.batch_size = 1000;
  std::vector<RotateProgress> seen;
  ro.progress = [&](const RotateProgress& p) { seen.push_back(p); };
  auto r = Rotate(ro);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->records, 2500u);
  EXPECT_EQ(r->batches, 3u);
  EXPECT_EQ(r->field_from, 1u);
  EXPECT_EQ(r->field_to, 2u);
  EXPECT_EQ(r->blind_from, 1u);
  EXPECT_EQ(r->blind_to, 2u);
  EXPECT_EQ(r->page_from, 1u);
  EXPECT_EQ(r->page_to, 2u);
  EXPECT_EQ(r->rekey, RekeyOutcome::kDone);
  EXPECT_TRUE(r->finished);
  EXPECT_TRUE(r->old_versions_destroyed);
  EXPECT_FALSE(r->resumed);
  ASSERT_EQ(seen.size(), 4u);  // the start and one per batch
  EXPECT_EQ(seen.front().total, 2500u);
  EXPECT_EQ(seen.back().done, 2500u);

  EXPECT_EQ(PageKeyVersion(RegionFile("eu")), 2u);
  EXPECT_EQ(PageKeyVersion(RegionFile("us")), 1u);  // other regions untouched
  EXPECT_EQ(OlderThan("eu", 2), 0);
  auto raw = Connect("eu");
  EXPECT_EQ(raw.keys->KeyVersions(keyring::kPurposeField), std::vector<uint32_t>{2});
  EXPECT_EQ(raw.keys->KeyVersions(keyring::kPurposeBlindIndex), std::vector<uint32_t>{2});
  EXPECT_EQ(*raw.db->QueryInt("SELECT count(*) FROM meta WHERE name LIKE 'rotation.%'"), 0);
  EXPECT_EQ(*raw.db->QueryInt("PRAGMA auto_vacuum"), 2);  // INCREMENTAL, as created
  raw.db.reset();
  // The old page key no longer opens the file.
  auto master = keyring::MasterKey::Load(KeyPath());
  auto old_page = keyring::KeySet::Derive(*master, "eu", 1);
  EXPECT_FALSE(OpenConnection(RegionFile("eu"), **old_page).ok());

  auto v = MustOpen(false);
  ASSERT_NE(v, nullptr);
  auto read = ReadAll(*v, "eu");
  ASSERT_EQ(read.size(), written.size());
  for (const auto& [id, r0] : written) ExpectSame(read[id], r0);
  // The blind indexes were recomputed with the new key: lookups find every record.
  auto found = v->FindBySubject("sender3@example.org");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  size_t expected = 0, in_eu = 0;
  for (const auto& [id, r0] : written) expected += r0.sender == "sender3@example.org";
  for (const auto& r : *found) in_eu += r.region == "eu";
  EXPECT_EQ(in_eu, expected);
  // And new writes go on under the new versions.
  ASSERT_TRUE(v->Commit({SampleRecord("eu", 99999, 1'800'000'000'000)}).ok());
  EXPECT_EQ(v->FindBySubject("rcpt99999@example.com")->size(), 1u);
}

TEST_F(RotationTest, OldCiphertextFailsWithAClearErrorOnceItsVersionIsDestroyed) {
  std::string id, old_blob;
  {
    auto v = MustOpen();
    Fill(*v, "eu", 5);
  }
  {
    auto raw = Connect("eu");
    auto s = raw.db->Prepare("SELECT id, subject FROM records LIMIT 1");
    ASSERT_TRUE(*s->Step());
    id = s->Text(0);
    old_blob = s->Blob(1);
  }
  RotateOptions ro;
  ro.skip_rekey = true;
  auto r = Rotate(ro);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rekey, RekeyOutcome::kSkipped);
  EXPECT_TRUE(r->finished);
  EXPECT_EQ(r->page_to, 1u);
  auto raw = Connect("eu");
  auto opened = raw.keys->OpenField(id, "subject", old_blob);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(opened.status().message(), HasSubstr("field key version 1 is not available"));
  // The record itself was re-encrypted: its new blob opens.
  auto s = raw.db->Prepare("SELECT subject, key_version FROM records WHERE id = ?1");
  s->BindText(1, id);
  ASSERT_TRUE(*s->Step());
  EXPECT_EQ(s->Int(1), 2);
  EXPECT_TRUE(raw.keys->OpenField(id, "subject", s->Blob(0)).ok());
}

TEST_F(RotationTest, AnInterruptedRotationResumesWithoutANewVersion) {
  std::map<std::string, MetadataRecord> written;
  {
    auto v = MustOpen();
    written = Fill(*v, "eu", 2500);
  }
  RotateOptions ro;
  ro.batch_size = 1000;
  ro.max_batches = 1;  // stands for a crash after the first batch committed
  auto first = Rotate(ro);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->finished);
  EXPECT_EQ(first->records, 1000u);
  EXPECT_EQ(first->rekey, RekeyOutcome::kNotReached);
  EXPECT_FALSE(first->old_versions_destroyed);
  EXPECT_EQ(OlderThan("eu", 2), 1500);
  {
    // Mid-rotation, the vault reads everything: both versions are held; lookups try both
    // blind-index keys.
    auto v = MustOpen(false);
    EXPECT_EQ(ReadAll(*v, "eu").size(), 2500u);
    size_t expected = 0;
    for (const auto& [id, r0] : written) expected += r0.sender == "sender5@example.org";
    EXPECT_EQ(v->FindBySubject("sender5@example.org")->size(), expected);
  }
  ro.max_batches = 0;
  auto second = Rotate(ro);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(second->resumed);
  EXPECT_TRUE(second->finished);
  EXPECT_EQ(second->field_to, 2u);  // continued the same rotation
  EXPECT_EQ(second->records, 1500u);
  EXPECT_EQ(second->records_total, 2500u);
  EXPECT_EQ(second->rekey, RekeyOutcome::kDone);
  EXPECT_EQ(OlderThan("eu", 2), 0);
  auto v = MustOpen(false);
  auto read = ReadAll(*v, "eu");
  ASSERT_EQ(read.size(), written.size());
  for (const auto& [id, r0] : written) ExpectSame(read[id], r0);
  // A later rotation is a new one.
  auto third = Rotate({}, "eu");
  ASSERT_TRUE(third.ok());  // serve-like vault `v` is open: the re-key waits
  EXPECT_FALSE(third->resumed);
  EXPECT_EQ(third->field_to, 3u);
  EXPECT_EQ(third->rekey, RekeyOutcome::kBusy);
}

TEST_F(RotationTest, CommitsDuringTheRotationAllLandAndStayReadable) {
  auto v = MustOpen();
  std::map<std::string, MetadataRecord> written = Fill(*v, "eu", 3000);
  std::atomic<bool> stop{false};
  std::atomic<int> next{100000};
  std::vector<std::thread> writers;
  std::mutex mu;
  for (int t = 0; t < 3; ++t) {
    writers.emplace_back([&] {
      while (!stop.load()) {
        std::vector<MetadataRecord> batch;
        for (int i = 0; i < 5; ++i) {
          int n = next.fetch_add(1);
          batch.push_back(SampleRecord("eu", n, 1'750'000'000'000 + n));
        }
        auto copy = batch;
        Status s = v->Commit(std::move(batch));
        EXPECT_TRUE(s.ok()) << s.ToString();
        std::lock_guard lock(mu);
        for (auto& r : copy) written[r.id] = r;
      }
    });
  }
  RotateOptions ro;
  ro.batch_size = 200;
  auto r = Rotate(ro);
  stop = true;
  for (auto& t : writers) t.join();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->old_versions_destroyed);
  // This process's vault has the file open, as a running serve would: no re-key yet.
  EXPECT_EQ(r->rekey, RekeyOutcome::kBusy);
  EXPECT_THAT(r->rekey_message, HasSubstr("serve"));
  EXPECT_FALSE(r->finished);
  EXPECT_GE(r->records, 3000u);
  // Writes after the rotation use the new versions, and everything reads back.
  ASSERT_TRUE(v->Commit({SampleRecord("eu", 1, 1'760'000'000'000)}).ok());
  auto read = ReadAll(*v, "eu");
  EXPECT_EQ(read.size(), written.size() + 1);
  for (const auto& [id, r0] : written) ExpectSame(read[id], r0);
  EXPECT_EQ(OlderThan("eu", 2), 0);
  v.reset();
  // With the file to itself, the same command finishes the re-key.
  auto done = Rotate();
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_TRUE(done->resumed);
  EXPECT_EQ(done->records, 0u);
  EXPECT_EQ(done->rekey, RekeyOutcome::kDone);
  EXPECT_EQ(done->field_to, 2u);
  v = MustOpen(false);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(ReadAll(*v, "eu").size(), written.size() + 1);
}

TEST_F(RotationTest, WrongStatesAndArgumentsAreRefused) {
  {
    auto v = MustOpen();
    Fill(*v, "eu", 30);
  }
  EXPECT_EQ(Rotate({}, "mars").status().code(), StatusCode::kInvalidArgument);
  RotateOptions both;
  both.skip_rekey = both.rekey_only = true;
  EXPECT_EQ(Rotate(both).status().code(), StatusCode::kInvalidArgument);
  RotateOptions zero;
  zero.batch_size = 0;
  EXPECT_EQ(Rotate(zero).status().code(), StatusCode::kInvalidArgument);

  RotateOptions partial;
  partial.batch_size = 10;
  partial.max_batches = 1;
  ASSERT_TRUE(Rotate(partial).ok());
  // --rekey-only while a rotation is unfinished.
  RotateOptions rekey_only;
  rekey_only.rekey_only = true;
  auto r = Rotate(rekey_only);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("without --rekey-only"));
  {
    // Someone adds a field version behind the rotation's back.
    auto raw = Connect("eu");
    SqliteKeyStore store(*raw.db);
    ASSERT_TRUE(raw.keys->AddFieldKeyVersion(store).ok());
  }
  r = Rotate();
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("not the ones this rotation started"));
  {
    auto raw = Connect("eu");
    ASSERT_TRUE(raw.db->Exec("DELETE FROM meta WHERE name = 'rotation.field_to'").ok());
  }
  r = Rotate();
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(r.status().message(), HasSubstr("key-rotation record"));
}

TEST_F(RotationTest, TwoRotationsAtOnceShareOneNewVersion) {
  std::map<std::string, MetadataRecord> written;
  {
    auto v = MustOpen();
    written = Fill(*v, "eu", 2000);
  }
  StatusOr<RotateResult> results[2] = {Status::Internal("not run"), Status::Internal("not run")};
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      RotateOptions ro;
      ro.batch_size = 100;
      ro.skip_rekey = true;
      results[i] = Rotate(ro);
    });
  }
  for (auto& t : threads) t.join();
  int ok = 0;
  for (const auto& r : results) {
    if (r.ok()) {
      ++ok;
    } else {
      // The one that lost the race says so; it never starts a second version.
      EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();
      EXPECT_THAT(r.status().message(), HasSubstr("another `mailrelay keys rotate`"));
    }
  }
  EXPECT_GE(ok, 1);
  auto raw = Connect("eu");
  std::vector<uint32_t> held = raw.keys->KeyVersions(keyring::kPurposeField);
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(OlderThan("eu", held[0]), 0);
  raw.db.reset();
  auto v = MustOpen(false);
  auto read = ReadAll(*v, "eu");
  ASSERT_EQ(read.size(), written.size());
  for (const auto& [id, r0] : written) ExpectSame(read[id], r0);
}

TEST_F(RotationTest, RekeyOnlyGivesTheFileTheNextPageKey) {
  {
    auto v = MustOpen();
    Fill(*v, "ap", 20);
  }
  RotateOptions ro;
  ro.rekey_only = true;
  auto r = Rotate(ro, "ap");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rekey, RekeyOutcome::kDone);
  EXPECT_EQ(r->field_from, r->field_to);
  EXPECT_EQ(r->page_to, 2u);
  r = Rotate(ro, "ap");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->page_to, 3u);
  auto v = MustOpen(false);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(ReadAll(*v, "ap").size(), 20u);
}

TEST_F(RotationTest, AReKeyInterruptedAfterItsCommitPointIsCompletedAtOpen) {
  {
    auto v = MustOpen();
    Fill(*v, "eu", 50);
  }
  const std::string path = RegionFile("eu");
  const std::string before = dir_.File("before.db");
  std::filesystem::copy_file(path, before);
  RotateOptions ro;
  ro.rekey_only = true;
  ASSERT_TRUE(Rotate(ro).ok());
  // The state a crash leaves between the key-check write and the rename: the key check names
  // the new copy, the old file is still in place.
  std::filesystem::rename(path, RekeyCopyPath(path));
  std::filesystem::copy_file(before, path);
  auto v = MustOpen(false);
  ASSERT_NE(v, nullptr);
  EXPECT_FALSE(std::filesystem::exists(RekeyCopyPath(path)));
  EXPECT_EQ(ReadAll(*v, "eu").size(), 50u);
}

TEST_F(RotationTest, AReKeyInterruptedBeforeItsCommitPointIsDiscardedAtOpen) {
  {
    auto v = MustOpen();
    Fill(*v, "eu", 50);
  }
  const std::string path = RegionFile("eu");
  {
    std::ofstream junk(RekeyCopyPath(path), std::ios::binary);
    junk << std::string(4096, 'x');  // a half-written copy the key check never named
  }
  auto v = MustOpen(false);
  ASSERT_NE(v, nullptr);
  EXPECT_FALSE(std::filesystem::exists(RekeyCopyPath(path)));
  EXPECT_EQ(ReadAll(*v, "eu").size(), 50u);
}

// A small benchmark, not run by default (--gtest_also_run_disabled_tests): rotation throughput
// over MAILRELAY_ROTATE_BENCH_RECORDS records (default 100,000) in one region, in batches of
// MAILRELAY_ROTATE_BENCH_BATCH (default 1000), with one writer
// committing single records beside it; prints records/s and the writer's commit latencies.
TEST_F(RotationTest, DISABLED_Benchmark) {
  const char* env = std::getenv("MAILRELAY_ROTATE_BENCH_RECORDS");
  const int n = env ? std::atoi(env) : 100000;
  auto v = MustOpen();
  {
    std::vector<MetadataRecord> batch;
    for (int i = 0; i < n; ++i) {
      batch.push_back(SampleRecord("eu", i, 1'700'000'000'000 + i));
      if (batch.size() == 500) {
        ASSERT_TRUE(v->Commit(std::move(batch)).ok());
        batch.clear();
      }
    }
    if (!batch.empty()) {
      ASSERT_TRUE(v->Commit(std::move(batch)).ok());
    }
  }
  const char* batch_env = std::getenv("MAILRELAY_ROTATE_BENCH_BATCH");
  const size_t batch_size = batch_env ? static_cast<size_t>(std::atoi(batch_env)) : 1000;
  auto rotate = [&](const char* what) {
    RotateOptions ro;
    ro.batch_size = batch_size;
    ro.skip_rekey = true;
    auto r = Rotate(ro);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    std::printf(
        "rotation %s: %llu records, %llu batches of %zu in %lld ms = %.0f records/s; "
        "longest batch %lld ms\n",
        what, static_cast<unsigned long long>(r->records),
        static_cast<unsigned long long>(r->batches), batch_size,
        static_cast<long long>(r->elapsed_ms),
        r->elapsed_ms
            ? 1000.0 * static_cast<double>(r->records) / static_cast<double>(r->elapsed_ms)
            : 0.0,
        static_cast<long long>(r->max_batch_ms));
  };
  rotate("alone");
  std::atomic<bool> stop{false};
  std::vector<double> latencies_ms;
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      auto t0 = std::chrono::steady_clock::now();
      ASSERT_TRUE(v->Commit({SampleRecord("eu", n + i, 1'800'000'000'000 + i)}).ok());
      latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
  });
  rotate("beside a writer");
  stop = true;
  writer.join();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  if (!latencies_ms.empty()) {
    auto at = [&](double q) {
      return latencies_ms[std::min(
          latencies_ms.size() - 1,
          static_cast<size_t>(q * static_cast<double>(latencies_ms.size())))];
    };
    std::printf(
        "the writer's single-record commits during that rotation: %zu, p50 %.1f ms, "
        "p99 %.1f ms, max %.1f ms\n",
        latencies_ms.size(), at(0.5), at(0.99), latencies_ms.back());
  }
  v.reset();
  auto t0 = std::chrono::steady_clock::now();
  RotateOptions rekey;
  rekey.rekey_only = true;
  auto r = Rotate(rekey);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::printf(
      "page re-key of %d records: %.0f ms\n", n,
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
}

}  // namespace
}  // namespace mailrelay::vault
