// Expiry partitions through the Vault (vault/partitioned_region_store.h): records land in the
// file of the day by whose end they expire, reads, erasure and key rotation span every file, and
// the sweep removes an expired partition as a whole file, overwritten before it is freed — or,
// while another connection has it, deletes its records row by row.
#include "vault/partitioned_region_store.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "keyring/key_set.h"
#include "vault/partition_drop.h"
#include "vault/partition_files.h"
#include "vault/rotation.h"
#include "vault/store_file.h"
#include "vault_test_util.h"

namespace mailrelay::vault {
namespace {

using ::testing::HasSubstr;
using testing::SampleRecord;

constexpr int64_t kDay0 = 1'796'601'600'000;  // 2026-12-07T00:00:00Z: its partition below
constexpr int64_t kDay = kMsPerDay;

class PartitionedRegionStoreTest : public testing::VaultFixture {
 protected:
  VaultOptions PartitionedOptions(int span = 1) const {
    VaultOptions o = Options();
    o.partition_span_days = span;
    return o;
  }
  std::unique_ptr<Vault> MustOpenPartitioned(int span = 1) {
    auto v = Vault::Open(PartitionedOptions(span));
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? std::move(v).value() : nullptr;
  }
  // The one-day partition named by the day that starts at `day_ms` (its records expire after
  // day_ms, by day_ms + kDay).
  static PartitionId DayPartition(int64_t day_ms) { return {day_ms / kDay, 1}; }
  std::string PartitionPath(const std::string& region, int64_t day_ms) const {
    return DataDir() + "/" + PartitionDirName(region) + "/" +
           PartitionFileName(DayPartition(day_ms));
  }
  // A us record received at `received` that expires at `expires`; `n` makes it distinct.
  static MetadataRecord UsRecord(int n, int64_t received, int64_t expires) {
    MetadataRecord r = SampleRecord("us", n, received);
    r.expires_at_ms = expires;
    return r;
  }
  // A raw connection to a partition file, as another process would open it (with the page-key
  // version its key check names).
  std::unique_ptr<Db> ConnectPartition(const std::string& region, int64_t day_ms) {
    auto master = keyring::MasterKey::Load(KeyPath());
    auto root = PartitionRoot(*master, region);
    auto keys = PartitionKeys(*root, region, DayPartition(day_ms), PartitionPath(region, day_ms));
    EXPECT_TRUE(keys.ok()) << keys.status().ToString();
    auto db = OpenConnection(PartitionPath(region, day_ms), **keys);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(db).value() : nullptr;
  }
  int64_t CountIn(const std::string& region, int64_t day_ms) {
    return *ConnectPartition(region, day_ms)->QueryInt("SELECT count(*) FROM records");
  }
  int64_t CountInRegionFile(const std::string& region) {
    auto master = keyring::MasterKey::Load(KeyPath());
    auto keys = keyring::KeySet::Derive(*master, region);
    auto db = OpenConnection(RegionFile(region), **keys);
    return *(*db)->QueryInt("SELECT count(*) FROM records");
  }
  SweepCounts MustSweep(Vault& v, int64_t now, bool dry = false) {
    auto c = v.Sweep(now, dry);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? (*c)["us"] : SweepCounts{};
  }
  // The message refs of every page of `q`, in order (empty after a failed page).
  static std::vector<std::string> AllPages(Vault& v, MessageQuery q) {
    std::vector<std::string> refs;
    while (true) {
      auto page = v.ListMessages(q);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) return {};
      for (const MetadataRecord& r : page->records) refs.push_back(r.message_id_ref);
      if (page->next_cursor.empty()) return refs;
      q.cursor = page->next_cursor;
    }
  }
  // Two records expiring by the end of day 0 (the second at its end, as a rounded-down expiry
  // does), one on day 1, each a message of its own.
  void CommitThreeOverTwoDays(Vault& v) {
    ASSERT_TRUE(v.Commit({UsRecord(1, kDay0 - 30 * kDay, kDay0 + 10)}).ok());
    ASSERT_TRUE(v.Commit({UsRecord(2, kDay0 - 29 * kDay - 1, kDay0 + kDay)}).ok());
    ASSERT_TRUE(v.Commit({UsRecord(3, kDay0 - 29 * kDay, kDay0 + kDay + 5)}).ok());
  }
};

TEST_F(PartitionedRegionStoreTest, RecordsLandInTheFileOfTheDayByWhoseEndTheyExpire) {
  auto v = MustOpenPartitioned();
  CommitThreeOverTwoDays(*v);
  EXPECT_EQ(CountIn("us", kDay0), 2);
  EXPECT_EQ(CountIn("us", kDay0 + kDay), 1);
  EXPECT_EQ(CountInRegionFile("us"), 0);
  // The partition's page key is its own: the region file's key does not open it.
  auto master = keyring::MasterKey::Load(KeyPath());
  auto region_keys = keyring::KeySet::Derive(*master, "us");
  EXPECT_FALSE(OpenConnection(PartitionPath("us", kDay0), **region_keys).ok());
}

TEST_F(PartitionedRegionStoreTest, ABatchSpanningTwoDaysGoesToTheRegionFileWhole) {
  auto v = MustOpenPartitioned();
  ASSERT_TRUE(
      v->Commit({UsRecord(1, kDay0, kDay0 + 1), UsRecord(2, kDay0 + 1, kDay0 + kDay + 1)}).ok());
  EXPECT_EQ(CountInRegionFile("us"), 2);
  EXPECT_FALSE(std::filesystem::exists(PartitionPath("us", kDay0)));
}

TEST_F(PartitionedRegionStoreTest, HistoryAndLookupSpanTheRegionFileAndEveryPartition) {
  {
    auto v = MustOpen();  // partitions off: into the region file
    ASSERT_TRUE(v->Commit({UsRecord(0, kDay0 - 31 * kDay, kDay0 + 2 * kDay)}).ok());
  }
  auto v = MustOpenPartitioned();
  CommitThreeOverTwoDays(*v);
  EXPECT_EQ(CountInRegionFile("us"), 1);
  // Pages of two, newest first, across three files.
  MessageQuery q;
  q.limit = 2;
  EXPECT_EQ(AllPages(*v, q), (std::vector<std::string>{"msg3", "msg2", "msg1", "msg0"}));
  for (int n : {0, 1, 3}) {
    auto found = v->FindBySubject("sender" + std::to_string(n) + "@example.org");
    ASSERT_TRUE(found.ok()) << found.status().ToString();
    ASSERT_EQ(found->size(), 1u) << n;
    EXPECT_EQ(found->front().message_id_ref, "msg" + std::to_string(n));
  }
}

// History reads rows only from the files that hold the page (by each file's newest match); the
// pages must be those one file would give, whatever the filters and however arrivals interleave.
TEST_F(PartitionedRegionStoreTest, HistoryPagesAreExactWhenArrivalsInterleaveAcrossFiles) {
  auto v = MustOpenPartitioned();
  struct Kept {
    int64_t received;
    std::string id, route, ref;
    int code;
  };
  std::vector<Kept> all;
  std::mt19937 rng(7);
  for (int n = 0; n < 60; ++n) {
    // Arrivals over two days, expiring on any of five days: each file spans all arrival times.
    int64_t received = kDay0 - 40 * kDay + static_cast<int64_t>(rng() % (2 * kDay));
    MetadataRecord r = UsRecord(n, received, kDay0 + static_cast<int64_t>(rng() % 5) * kDay + 1);
    r.route = n % 3 == 0 ? "sales" : "support";
    r.smtp_code = n % 4 == 0 ? 550 : 250;
    all.push_back({r.received_at_ms, r.id, r.route, r.message_id_ref, r.smtp_code});
    ASSERT_TRUE(v->Commit({r}).ok());
  }
  std::sort(all.begin(), all.end(), [](const Kept& a, const Kept& b) {
    return a.received != b.received ? a.received > b.received : a.id > b.id;
  });
  for (int filter = 0; filter < 3; ++filter) {
    MessageQuery q;
    q.limit = 7;
    if (filter == 1) q.route = "sales";
    if (filter == 2) q.status = MessageStatus::kDelivered;
    std::vector<std::string> expected;
    for (const Kept& k : all) {
      if (filter == 1 && k.route != "sales") continue;
      if (filter == 2 && k.code != 250) continue;
      expected.push_back(k.ref);
    }
    EXPECT_EQ(AllPages(*v, q), expected) << "filter " << filter;
  }
}

TEST_F(PartitionedRegionStoreTest, ErasureReachesEveryFile) {
  {
    auto v = MustOpen();
    MetadataRecord old = UsRecord(7, kDay0 - 31 * kDay, kDay0 + 2 * kDay);
    ASSERT_TRUE(v->Commit({old}).ok());
  }
  auto v = MustOpenPartitioned();
  for (int64_t expires : {kDay0 + 10, kDay0 + kDay + 10}) {
    ASSERT_TRUE(v->Commit({UsRecord(7, expires - 30 * kDay, expires)}).ok());
  }
  CommitThreeOverTwoDays(*v);
  auto erased = v->EraseSubject("SENDER7@example.org", false);
  ASSERT_TRUE(erased.ok()) << erased.status().ToString();
  EXPECT_EQ(erased->records_by_region["us"], 3u);
  EXPECT_EQ(CountInRegionFile("us"), 0);
  EXPECT_EQ(CountIn("us", kDay0), 2);
  EXPECT_EQ(CountIn("us", kDay0 + kDay), 1);
  EXPECT_TRUE(v->FindBySubject("sender7@example.org")->empty());
}

TEST_F(PartitionedRegionStoreTest, SweepRemovesAPartitionWholeOnceItsLastExpiryIsDue) {
  auto v = MustOpenPartitioned();
  CommitThreeOverTwoDays(*v);
  const std::string day0 = PartitionPath("us", kDay0);
  // Before the day's end: record 1 is due and goes row by row; the file stays.
  SweepCounts before = MustSweep(*v, kDay0 + kDay - 1);
  EXPECT_EQ(before.records_deleted, 1);
  EXPECT_EQ(before.partitions_dropped, 0);
  EXPECT_TRUE(std::filesystem::exists(day0));

  SweepCounts dry = MustSweep(*v, kDay0 + kDay, /*dry=*/true);
  EXPECT_EQ(dry.records_deleted, 1);
  EXPECT_EQ(dry.partitions_dropped, 1);
  EXPECT_TRUE(std::filesystem::exists(day0));

  // Through a descriptor of our own: every byte reads back as zeros before the drop cuts it off.
  int fd = ::open(day0.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  const off_t size = ::lseek(fd, 0, SEEK_END);
  ASSERT_GT(size, 0);
  off_t zeroed = 0, cut_to = size;
  bool all_zero = true;
  SetDropObserverForTesting([&](const std::string&, off_t begin, off_t end) {
    EXPECT_EQ(end, cut_to) << "cut from the end, chunk by chunk";
    std::string bytes(static_cast<size_t>(end - begin), 'x');
    ASSERT_EQ(::pread(fd, bytes.data(), bytes.size(), begin), end - begin);
    all_zero = all_zero && bytes.find_first_not_of('\0') == std::string::npos;
    zeroed += end - begin;
    cut_to = begin;
  });
  SweepCounts swept = MustSweep(*v, kDay0 + kDay);
  SetDropObserverForTesting(nullptr);
  EXPECT_EQ(swept.records_deleted, 1);
  EXPECT_EQ(swept.partitions_dropped, 1);
  EXPECT_TRUE(swept.space_freed);
  EXPECT_EQ(zeroed, size);
  EXPECT_EQ(cut_to, 0);
  EXPECT_TRUE(all_zero) << "a chunk of the dropped file was cut before it was zeroed";
  EXPECT_EQ(::lseek(fd, 0, SEEK_END), 0);
  ::close(fd);
  for (const std::string& gone : {day0, KeyCheckPath(day0), day0 + ".dropping", day0 + "-wal"}) {
    EXPECT_FALSE(std::filesystem::exists(gone)) << gone;
  }
  std::vector<MetadataRecord> left = All(*v);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].message_id_ref, "msg3");
  EXPECT_EQ(CountIn("us", kDay0 + kDay), 1);
}

TEST_F(PartitionedRegionStoreTest, ARecordForADroppedPartitionGoesToTheRegionFile) {
  auto v = MustOpenPartitioned();
  CommitThreeOverTwoDays(*v);
  MustSweep(*v, kDay0 + kDay);
  ASSERT_TRUE(v->Commit({UsRecord(9, kDay0 - 30 * kDay + 5, kDay0 + 20)}).ok());
  EXPECT_EQ(CountInRegionFile("us"), 1);
  EXPECT_FALSE(std::filesystem::exists(PartitionPath("us", kDay0)));
  EXPECT_EQ(MustSweep(*v, kDay0 + kDay).records_deleted, 1);
}

TEST_F(PartitionedRegionStoreTest, APartitionAnotherConnectionHoldsIsSweptRowByRowThenDropped) {
  auto v = MustOpenPartitioned();
  CommitThreeOverTwoDays(*v);
  {
    std::unique_ptr<Db> other = ConnectPartition("us", kDay0);
    ASSERT_TRUE(other->QueryInt("SELECT count(*) FROM records").ok());
    SweepCounts busy = MustSweep(*v, kDay0 + kDay);
    EXPECT_EQ(busy.partitions_dropped, 0);
    EXPECT_EQ(busy.records_deleted, 2);
    EXPECT_TRUE(std::filesystem::exists(PartitionPath("us", kDay0)));
    std::vector<MetadataRecord> left = All(*v);
    ASSERT_EQ(left.size(), 1u);
    EXPECT_EQ(left[0].message_id_ref, "msg3");
    EXPECT_EQ(*other->QueryInt("SELECT count(*) FROM records"), 0);
  }
  SweepCounts freed = MustSweep(*v, kDay0 + kDay);
  EXPECT_EQ(freed.partitions_dropped, 1);
  EXPECT_EQ(freed.records_deleted, 0);
  EXPECT_FALSE(std::filesystem::exists(PartitionPath("us", kDay0)));
}

TEST_F(PartitionedRegionStoreTest, ADropACrashInterruptedIsFinishedAtTheNextOpen) {
  {
    auto v = MustOpenPartitioned();
    CommitThreeOverTwoDays(*v);
  }
  // The state a crash after the drop's rename leaves: the file under its ".dropping" name.
  const std::string day0 = PartitionPath("us", kDay0);
  std::filesystem::rename(day0, day0 + ".dropping");
  auto v = MustOpenPartitioned();
  EXPECT_FALSE(std::filesystem::exists(day0 + ".dropping"));
  EXPECT_FALSE(std::filesystem::exists(KeyCheckPath(day0)));
  EXPECT_EQ(All(*v).size(), 1u);
}

TEST_F(PartitionedRegionStoreTest, ACreationACrashInterruptedLeavesNoPartitionBehind) {
  {
    auto v = MustOpenPartitioned();
    ASSERT_TRUE(v->Commit({UsRecord(1, kDay0 - 30 * kDay, kDay0 + 10)}).ok());
  }
  // A new file appears under the partition's name only whole: no temporary name stays behind.
  for (const auto& entry : std::filesystem::directory_iterator(DataDir() + "/vault-us.d")) {
    EXPECT_EQ(entry.path().string().find(".creating"), std::string::npos) << entry.path();
  }
  // The state a crash midway through creating day 1's file leaves: its temporary name, with
  // the first page and a WAL.
  const std::string day1 = PartitionPath("us", kDay0 + kDay);
  for (const std::string& leftover : {day1 + ".creating", day1 + ".creating-wal"}) {
    std::ofstream(leftover) << std::string(4096, 'x');
  }
  auto v = MustOpenPartitioned();
  EXPECT_FALSE(std::filesystem::exists(day1 + ".creating"));
  EXPECT_FALSE(std::filesystem::exists(day1 + ".creating-wal"));
  ASSERT_TRUE(v->Commit({UsRecord(2, kDay0 - 29 * kDay, kDay0 + kDay + 5)}).ok());
  EXPECT_EQ(CountIn("us", kDay0 + kDay), 1);
  EXPECT_EQ(All(*v).size(), 2u);
  // Both files go whole once their days are over.
  EXPECT_EQ(MustSweep(*v, kDay0 + 2 * kDay).partitions_dropped, 2);
  EXPECT_FALSE(std::filesystem::exists(day1));
}

TEST_F(PartitionedRegionStoreTest, PartitionsOffStillReadsAndSweepsThoseThere) {
  {
    auto v = MustOpenPartitioned();
    CommitThreeOverTwoDays(*v);
  }
  auto v = MustOpen(false);
  EXPECT_EQ(All(*v).size(), 3u);
  ASSERT_TRUE(v->Commit({UsRecord(4, kDay0, kDay0 + 3 * kDay)}).ok());
  EXPECT_EQ(CountInRegionFile("us"), 1);
  EXPECT_EQ(MustSweep(*v, kDay0 + kDay).partitions_dropped, 1);
}

TEST_F(PartitionedRegionStoreTest, KeyRotationReencryptsAndReKeysEveryFile) {
  {
    auto v = MustOpen();  // two records in the region file
    ASSERT_TRUE(
        v->Commit({UsRecord(4, kDay0, kDay0 + 1), UsRecord(5, kDay0, kDay0 + 3 * kDay)}).ok());
  }
  {
    auto v = MustOpenPartitioned();
    CommitThreeOverTwoDays(*v);
  }
  RotateOptions ro;
  ro.batch_size = 1;
  ro.max_batches = 3;  // stops inside the partitions: the next run resumes there
  auto first = RotateRegion(Options(false), "us", ro);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->finished);
  auto rest = RotateRegion(Options(false), "us", RotateOptions{});
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  EXPECT_TRUE(rest->resumed);
  EXPECT_TRUE(rest->finished);
  EXPECT_EQ(rest->rekey, RekeyOutcome::kDone);
  EXPECT_EQ(first->records + rest->records, 5u);
  for (int64_t day : {kDay0, kDay0 + kDay}) {
    EXPECT_EQ(PageKeyVersion(PartitionPath("us", day)), 2u);
    auto db = ConnectPartition("us", day);
    EXPECT_EQ(*db->QueryInt("SELECT count(*) FROM records WHERE key_version < 2"), 0);
    EXPECT_EQ(*db->QueryInt("SELECT count(*) FROM meta WHERE name LIKE 'rotation.%'"), 0);
  }
  auto v = MustOpenPartitioned();
  EXPECT_EQ(All(*v).size(), 5u);
  for (int n : {1, 3, 5}) {
    auto found = v->FindBySubject("rcpt" + std::to_string(n) + "@example.com");
    ASSERT_TRUE(found.ok()) << found.status().ToString();
    EXPECT_EQ(found->size(), 1u) << n;
  }
}

TEST_F(PartitionedRegionStoreTest, CommitsIntoPartitionsDuringARotationStayReadable) {
  auto v = MustOpenPartitioned();
  CommitThreeOverTwoDays(*v);
  std::atomic<bool> stop{false};
  std::atomic<int> committed{0};
  std::thread writer([&] {
    // Bounded, so a rotation that never catches up still ends (and the checks below fail).
    for (int n = 100; !stop.load() && n < 600; ++n) {
      // Alternating between two partitions, each commit a message of its own.
      const int64_t expires = kDay0 + (n % 2) * kDay + 100 + n;
      Status s = v->Commit({UsRecord(n, kDay0 - 30 * kDay + n, expires)});
      EXPECT_TRUE(s.ok()) << s.ToString();
      if (s.ok()) ++committed;
    }
  });
  RotateOptions ro;
  ro.batch_size = 2;
  auto r = RotateRegion(Options(false), "us", ro);
  stop = true;
  writer.join();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->old_versions_destroyed);
  EXPECT_EQ(r->rekey, RekeyOutcome::kBusy);  // this process has the files open
  ASSERT_TRUE(v->Commit({UsRecord(99, kDay0 - 30 * kDay, kDay0 + 50)}).ok());
  // Every record, written before, during or after, opens under the versions left.
  std::vector<MetadataRecord> all = All(*v);
  EXPECT_EQ(all.size(), static_cast<size_t>(committed.load() + 4));
  for (int64_t day : {kDay0, kDay0 + kDay}) {
    EXPECT_EQ(*ConnectPartition("us", day)->QueryInt(
                  "SELECT count(*) FROM records WHERE key_version < 2"),
              0);
  }
}

TEST_F(PartitionedRegionStoreTest, VerifyReadsEveryPartitionAndNamesADamagedOne) {
  {
    auto v = MustOpenPartitioned();
    CommitThreeOverTwoDays(*v);
    ASSERT_TRUE(v->Verify().ok());
  }
  // One byte flipped inside a page of the second day's file (past its 16-byte salt).
  const std::string damaged = PartitionPath("us", kDay0 + kDay);
  {
    std::fstream f(damaged, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(4096 + 200);
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x5a);
    f.seekp(4096 + 200);
    f.write(&c, 1);
  }
  auto v = MustOpenPartitioned();
  Status verified = v->Verify();
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.code(), StatusCode::kDataLoss);
  EXPECT_THAT(verified.message(), HasSubstr(damaged));
}

// How many of this process's descriptors are open on `path` (the file, its -wal and -shm).
int OpenDescriptorsOn(const std::string& path) {
  int n = 0;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    const std::string target = std::filesystem::read_symlink(fd.path(), ec).string();
    if (!ec && target.rfind(path, 0) == 0) ++n;
  }
  return n;
}

TEST_F(PartitionedRegionStoreTest, PartitionsOpenWhenUsedAndASweepClosesThoseOnlyItOpened) {
  {
    auto v = MustOpenPartitioned();
    CommitThreeOverTwoDays(*v);
    EXPECT_GT(OpenDescriptorsOn(PartitionPath("us", kDay0)), 0);  // written: open
  }
  const std::string day0 = PartitionPath("us", kDay0), day1 = PartitionPath("us", kDay0 + kDay);
  auto v = MustOpenPartitioned();
  EXPECT_EQ(OpenDescriptorsOn(day0), 0);  // listed at open, not opened
  EXPECT_EQ(OpenDescriptorsOn(day1), 0);
  // The sweep opens each live file to sweep its rows, then closes what nothing else used.
  EXPECT_EQ(MustSweep(*v, kDay0 + 20).records_deleted, 1);
  EXPECT_EQ(OpenDescriptorsOn(day0), 0);
  EXPECT_EQ(OpenDescriptorsOn(day1), 0);
  // A read opens them all; a commit opens its own. Both count as use: the sweep keeps them.
  auto found = v->FindBySubject("sender3@example.org");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->size(), 1u);
  EXPECT_GT(OpenDescriptorsOn(day0), 0);
  EXPECT_GT(OpenDescriptorsOn(day1), 0);
  MustSweep(*v, kDay0 + 20);
  EXPECT_GT(OpenDescriptorsOn(day0), 0);
  EXPECT_EQ(All(*v).size(), 2u);
}

// With the default idle time the test above shows recent use keeping files open; with none, a
// sweep closes every file it finds idle, the one just written to included.
TEST_F(PartitionedRegionStoreTest, ASweepClosesWhatReadsAndCommitsLeftIdleLongEnough) {
  {
    auto v = MustOpenPartitioned();
    CommitThreeOverTwoDays(*v);
  }
  const std::string day0 = PartitionPath("us", kDay0), day1 = PartitionPath("us", kDay0 + kDay);
  VaultOptions o = PartitionedOptions();
  o.partition_idle_close = std::chrono::milliseconds(0);
  auto opened = Vault::Open(o);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Vault& v = **opened;
  EXPECT_EQ(All(v).size(), 3u);  // opens both
  ASSERT_TRUE(v.Commit({UsRecord(4, kDay0 - 29 * kDay, kDay0 + kDay + 7)}).ok());
  EXPECT_GT(OpenDescriptorsOn(day0), 0);
  EXPECT_GT(OpenDescriptorsOn(day1), 0);
  EXPECT_EQ(MustSweep(v, kDay0 - kDay).records_deleted, 0);
  EXPECT_EQ(OpenDescriptorsOn(day0), 0);
  EXPECT_EQ(OpenDescriptorsOn(day1), 0);
  EXPECT_EQ(All(v).size(), 4u);  // and open again when next used
}

TEST_F(PartitionedRegionStoreTest, APartitionAnotherProcessRemovedIsForgotten) {
  {
    auto v = MustOpenPartitioned();
    CommitThreeOverTwoDays(*v);
  }
  auto serve = MustOpenPartitioned();  // lists both files, opens neither
  auto idle = MustOpenPartitioned();   // the same, and next sweeps, reading nothing before
  {
    auto sweeper = MustOpenPartitioned();  // as `mailrelay sweep` beside it
    EXPECT_EQ(MustSweep(*sweeper, kDay0 + kDay).partitions_dropped, 1);
  }
  EXPECT_FALSE(std::filesystem::exists(PartitionPath("us", kDay0)));
  std::vector<MetadataRecord> left = All(*serve);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].message_id_ref, "msg3");
  SweepCounts again = MustSweep(*serve, kDay0 + kDay);
  EXPECT_EQ(again.partitions_dropped, 0);
  EXPECT_EQ(again.records_deleted, 0);
  SweepCounts idle_sweep = MustSweep(*idle, kDay0 + kDay);  // its drop finds the file gone
  EXPECT_EQ(idle_sweep.partitions_dropped, 0);
  EXPECT_EQ(idle_sweep.records_deleted, 0);
  EXPECT_EQ(All(*idle).size(), 1u);
}

TEST_F(PartitionedRegionStoreTest, SpanBeyondAMonthIsRefused) {
  auto v = Vault::Open(PartitionedOptions(32));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(v.status().message(), HasSubstr("partition span"));
}

}  // namespace
}  // namespace mailrelay::vault
