// Tests for auditlog/audit_log.h: appends over the real SQLCipher store (OpenLocalAuditLog)
// and over an in-memory LogStore (to forge heads the SQL store would never hold).
#include "auditlog/audit_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "../keyring/temp_dir.h"
#include "auditlog/entry.h"
#include "auditlog/export_verify.h"
#include "auditlog/memory_tree.h"
#include "auditlog/verify.h"
#include "keyring/master_key.h"

namespace mailrelay::auditlog {
namespace {

using testing::TempDir;

// A LogStore in memory with the SQL store's semantics (one writer, rollback on failure).
class MemoryLogStore final : public LogStore {
 public:
  struct Data {
    std::vector<StoredLeaf> leaves;
    std::map<std::pair<unsigned, uint64_t>, Hash> nodes;
    std::vector<StoredHead> heads;
    std::map<std::string, std::string> settings;
  };

  class Txn final : public LogWriteTxn {
   public:
    explicit Txn(Data& d) : d_(d) {}
    StatusOr<uint64_t> Generation() override { return d_.heads.size(); }
    StatusOr<StoredHead> LatestHead() override {
      return d_.heads.empty() ? StoredHead{} : d_.heads.back();
    }
    Status AppendLeaves(uint64_t first, const std::vector<StoredLeaf>& leaves) override {
      if (first != d_.leaves.size()) return Status::FailedPrecondition("wrong first index");
      d_.leaves.insert(d_.leaves.end(), leaves.begin(), leaves.end());
      return Status::Ok();
    }
    Status PutSubtrees(const std::vector<SubtreeHash>& nodes) override {
      for (const auto& n : nodes) d_.nodes[{n.level, n.index}] = n.hash;
      return Status::Ok();
    }
    Status PutHead(const StoredHead& head) override {
      if (head.generation != d_.heads.size() + 1) return Status::FailedPrecondition("gen");
      d_.heads.push_back(head);
      return Status::Ok();
    }
    Status PutSetting(const std::string& name, const std::string& value) override {
      auto [it, fresh] = d_.settings.emplace(name, value);
      return fresh || it->second == value ? Status::Ok() : Status::AlreadyExists(name);
    }
    StatusOr<Hash> LeafHash(uint64_t index) const override {
      if (index >= d_.leaves.size()) return Status::NotFound("leaf");
      return d_.leaves[index].leaf_hash;
    }
    StatusOr<Hash> PerfectSubtreeHash(unsigned level, uint64_t index) const override {
      if (level == 0) return LeafHash(index);
      auto it = d_.nodes.find({level, index});
      if (it != d_.nodes.end()) return it->second;
      return HashSource::PerfectSubtreeHash(level, index);
    }

   private:
    Data& d_;
  };

  Status Write(const std::function<Status(LogWriteTxn&)>& body) override {
    std::lock_guard lock(mu_);
    Data copy = data_;
    Txn txn(copy);
    MR_RETURN_IF_ERROR(body(txn));
    data_ = std::move(copy);
    ++writes;
    return Status::Ok();
  }
  StatusOr<StoredHead> LatestHead() override {
    std::lock_guard lock(mu_);
    return data_.heads.empty() ? StoredHead{} : data_.heads.back();
  }
  StatusOr<std::optional<StoredHead>> HeadForSize(uint64_t size) override {
    std::lock_guard lock(mu_);
    for (auto it = data_.heads.rbegin(); it != data_.heads.rend(); ++it) {
      if (it->size == size) return std::optional<StoredHead>(*it);
    }
    return std::optional<StoredHead>();
  }
  StatusOr<std::vector<std::string>> ReadEntries(uint64_t from, size_t limit) override {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (uint64_t i = from; i < data_.leaves.size() && out.size() < limit; ++i) {
      out.push_back(data_.leaves[i].entry);
    }
    return out;
  }
  StatusOr<std::optional<std::string>> Setting(const std::string& name) override {
    std::lock_guard lock(mu_);
    auto it = data_.settings.find(name);
    if (it == data_.settings.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  StatusOr<uint64_t> LeafCount() override {
    std::lock_guard lock(mu_);
    return data_.leaves.size();
  }
  StatusOr<Hash> LeafHash(uint64_t index) const override {
    std::lock_guard lock(mu_);
    Txn t(const_cast<Data&>(data_));
    return t.LeafHash(index);
  }
  StatusOr<Hash> PerfectSubtreeHash(unsigned level, uint64_t index) const override {
    std::lock_guard lock(mu_);
    Txn t(const_cast<Data&>(data_));
    return t.PerfectSubtreeHash(level, index);
  }

  // Direct access for tests that forge history.
  Data& data() { return data_; }
  int writes = 0;

 private:
  mutable std::mutex mu_;
  Data data_;
};

std::unique_ptr<NoteSigner> Signer(const std::string& name = "test.example/audit",
                                   char seed_byte = 7) {
  auto s = Ed25519Signer::FromSeed(name, std::string(32, seed_byte));
  return std::move(*s);
}

AuditEvent Event(int i) {
  return {"cli:tester", "records.read", {{"records", i}, {"what", "messages"}}};
}

// Reads everything the log holds and checks it as an auditor would.
ExportReport VerifyAll(AuditLog& log) {
  auto head = log.Latest();
  EXPECT_TRUE(head.ok()) << head.status().message();
  std::string jsonl;
  auto entries = log.Entries(0, head->size + 10);
  EXPECT_TRUE(entries.ok());
  for (const auto& e : *entries) jsonl += e + "\n";
  return VerifyExport({.entries = jsonl, .checkpoint = head->checkpoint}, log.verifier());
}

class LocalLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(keyring::CreateMasterKeyFile(dir_.File("master.key")).ok());
    ::unsetenv(keyring::kMasterKeyEnv);
  }
  StatusOr<std::unique_ptr<AuditLog>> OpenLog(bool create = true) {
    return OpenLocalAuditLog({dir_.path(), dir_.File("master.key"), create});
  }
  TempDir dir_;
};

TEST_F(LocalLogTest, NewLogHasASignedCheckpointOfTheEmptyTree) {
  auto log = OpenLog();
  ASSERT_TRUE(log.ok()) << log.status().message();
  auto head = (*log)->Latest();
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->size, 0u);
  EXPECT_EQ(head->root, EmptyRoot());
  auto cp = OpenCheckpoint(head->checkpoint, (*log)->verifier());
  ASSERT_TRUE(cp.ok()) << cp.status().message();
  EXPECT_EQ(cp->origin, (*log)->origin());
  EXPECT_EQ((*log)->origin().rfind("mailrelay.audit/", 0), 0u);
}

TEST_F(LocalLogTest, MissingLogIsNotCreatedWithoutCreate) {
  auto log = OpenLog(/*create=*/false);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kNotFound);
  EXPECT_NE(log.status().message().find("keys init"), std::string::npos);
}

TEST_F(LocalLogTest, AppendReturnsIndexCoveredByASignedCheckpoint) {
  auto log = OpenLog();
  ASSERT_TRUE(log.ok());
  for (int i = 0; i < 3; ++i) {
    auto r = (*log)->Append(Event(i));
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->index, static_cast<uint64_t>(i));
    EXPECT_EQ(r->tree_size, static_cast<uint64_t>(i + 1));
  }
  auto entries = (*log)->Entries(0, 10);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 3u);
  auto e = DecodeEntry((*entries)[2]);
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->index, 2u);
  EXPECT_EQ(e->actor, "cli:tester");
  EXPECT_EQ(e->details["records"], 2);
  EXPECT_TRUE(CheckEntryTime(e->time).ok());
  ExportReport r = VerifyAll(**log);
  EXPECT_TRUE(r.ok()) << (r.problems.empty() ? "" : r.problems[0].code);
  EXPECT_EQ(r.entries, 3u);
}

TEST_F(LocalLogTest, ReopenedLogContinuesAtTheNextIndexWithTheSameKey) {
  std::string vkey;
  {
    auto log = OpenLog();
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->Append(Event(0)).ok());
    vkey = (*log)->verifier().Vkey();
  }
  auto log = OpenLog(/*create=*/false);
  ASSERT_TRUE(log.ok()) << log.status().message();
  EXPECT_EQ((*log)->verifier().Vkey(), vkey);
  auto r = (*log)->Append(Event(1));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->index, 1u);
  EXPECT_TRUE(VerifyAll(**log).ok());
}

TEST_F(LocalLogTest, ConcurrentAppendersGetDistinctIndexesInFewerTransactions) {
  auto log = OpenLog();
  ASSERT_TRUE(log.ok());
  constexpr int kThreads = 8, kEach = 40;
  std::vector<std::vector<uint64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = (*log)->Append(Event(t * 1000 + i));
        ASSERT_TRUE(r.ok()) << r.status().message();
        got[t].push_back(r->index);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<uint64_t> all;
  for (const auto& g : got) all.insert(g.begin(), g.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(*all.rbegin(), static_cast<uint64_t>(kThreads * kEach - 1));
  EXPECT_LE((*log)->stats().transactions, static_cast<uint64_t>(kThreads * kEach));
  EXPECT_TRUE(VerifyAll(**log).ok());
}

TEST_F(LocalLogTest, AppendAllWritesOneBatchAndOneCheckpoint) {
  auto log = OpenLog();
  ASSERT_TRUE(log.ok());
  std::vector<AuditEvent> events;
  for (int i = 0; i < 100; ++i) events.push_back(Event(i));
  auto r = (*log)->AppendAll(std::move(events));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 100u);
  EXPECT_EQ(r->back().index, 99u);
  EXPECT_EQ(r->front().tree_size, 100u);
  EXPECT_EQ((*log)->stats().transactions, 1u);
}

TEST_F(LocalLogTest, TwoWritersOnOneStoreStayConsistent) {
  auto a = OpenLog();
  auto b = OpenLog(/*create=*/false);
  ASSERT_TRUE(a.ok() && b.ok());
  for (int i = 0; i < 20; ++i) {
    auto ra = (*a)->Append(Event(i));
    auto rb = (*b)->Append(Event(100 + i));
    ASSERT_TRUE(ra.ok()) << ra.status().message();
    ASSERT_TRUE(rb.ok()) << rb.status().message();
    EXPECT_EQ(rb->index, ra->index + 1);
  }
  EXPECT_GT((*a)->stats().reloads, 0u);
  EXPECT_GT((*b)->stats().reloads, 0u);
  EXPECT_TRUE(VerifyAll(**a).ok());
}

TEST_F(LocalLogTest, ProofsVerifyAgainstTheSignedCheckpoints) {
  auto log = OpenLog();
  ASSERT_TRUE(log.ok());
  MemoryTree mirror;
  for (int batch = 0; batch < 10; ++batch) {
    std::vector<AuditEvent> events;
    for (int i = 0; i < batch + 3; ++i) events.push_back(Event(batch * 100 + i));
    ASSERT_TRUE((*log)->AppendAll(std::move(events)).ok());
  }
  auto all = (*log)->Entries(0, 1000);
  ASSERT_TRUE(all.ok());
  for (const auto& e : *all) mirror.Append(HashLeaf(e));
  const uint64_t n = mirror.size();
  for (uint64_t size : {uint64_t{1}, uint64_t{7}, uint64_t{33}, n}) {
    auto root = TreeRoot(mirror, size);
    ASSERT_TRUE(root.ok());
    for (uint64_t index = 0; index < size; index += 5) {
      auto p = (*log)->ProveInclusion(index, size);
      ASSERT_TRUE(p.ok()) << p.status().message();
      EXPECT_TRUE(VerifyInclusion(index, size, p->leaf_hash, p->proof, *root).ok());
    }
    for (uint64_t old = 0; old <= size; old += 4) {
      auto c = (*log)->ProveConsistency(old, size);
      ASSERT_TRUE(c.ok());
      auto old_root = TreeRoot(mirror, old);
      EXPECT_TRUE(VerifyConsistency(old, size, c->proof, *old_root, *root).ok());
    }
  }
  // Sizes that were signed come with their checkpoint.
  auto p = (*log)->ProveInclusion(0, 3);
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(p->checkpoint.has_value());
  auto cp = OpenCheckpoint(*p->checkpoint, (*log)->verifier());
  ASSERT_TRUE(cp.ok());
  EXPECT_EQ(cp->size, 3u);
  EXPECT_FALSE((*log)->ProveInclusion(n, n).ok());
  EXPECT_FALSE((*log)->ProveInclusion(0, n + 1).ok());
  EXPECT_FALSE((*log)->ProveConsistency(5, 4).ok());
}

TEST_F(LocalLogTest, ExportWritesTheFormatLayoutAndVerifies) {
  auto log = OpenLog();
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE((*log)->Append(Event(1)).ok());
  ASSERT_TRUE((*log)->Append(Event(2)).ok());
  auto head = (*log)->Export(dir_.File("export"));
  ASSERT_TRUE(head.ok()) << head.status().message();
  EXPECT_EQ(head->size, 2u);
  for (const char* f : {"entries.jsonl", "checkpoint", "log.vkey"}) {
    EXPECT_TRUE(std::filesystem::exists(dir_.File(std::string("export/") + f))) << f;
  }
}

TEST_F(LocalLogTest, PersonalDataInPlainTextIsRefused) {
  auto log = OpenLog();
  ASSERT_TRUE(log.ok());
  for (const nlohmann::json& details :
       {nlohmann::json{{"subject", "alice@example.com"}}, nlohmann::json{{"peer", "192.0.2.1"}},
        nlohmann::json{{"peer", "[2001:db8::1]"}},
        nlohmann::json{{"list", {"x", "<bob@example.org>"}}},
        nlohmann::json{{"carol@example.net", 1}}}) {
    auto r = (*log)->Append({"cli:tester", "records.read", details});
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << details.dump();
  }
  auto actor = (*log)->Append({"dave@example.com", "records.read", nlohmann::json::object()});
  EXPECT_EQ(actor.status().code(), StatusCode::kInvalidArgument);
  // Pseudonyms, digests, times and version strings pass.
  EXPECT_TRUE(
      (*log)
          ->Append(
              {"cli:tester",
               "records.read",
               {{"subject", std::string(64, 'a')}, {"time", "12:00:00"}, {"version", "0.1.0"}}})
          .ok());
  auto head = (*log)->Latest();
  EXPECT_EQ(head->size, 1u);
}

TEST_F(LocalLogTest, MalformedEventsAreRefusedAndNothingIsWritten) {
  auto log = OpenLog();
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)->Append({"cli:x", "Keys Init", nlohmann::json::object()}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ((*log)->Append({"", "keys.init", nlohmann::json::object()}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ((*log)->Append({"cli:x", "keys.init", {{"f", 1.5}}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ((*log)->Latest()->size, 0u);
}

TEST(AuditLogMemoryTest, RefusesToSignOnTopOfAnInconsistentHead) {
  auto owned = std::make_unique<MemoryLogStore>();
  MemoryLogStore* store = owned.get();
  auto log = AuditLog::Open(std::move(owned), Signer());
  ASSERT_TRUE(log.ok()) << log.status().message();
  ASSERT_TRUE((*log)->AppendAll({Event(1), Event(2), Event(3)}).ok());
  // Another writer with the same key rewrites history: a validly signed head of a tree whose
  // first three leaves differ.
  auto forger = Signer();
  CompactRange fork;
  std::vector<StoredLeaf> leaves;
  for (int i = 0; i < 4; ++i) {
    Entry e{static_cast<uint64_t>(i), "2026-01-01T00:00:00Z", "cli:forger", "x",
            nlohmann::json::object()};
    std::string bytes = *EncodeEntry(e);
    leaves.push_back({bytes, HashLeaf(bytes)});
    fork.Append(leaves.back().leaf_hash);
  }
  auto& d = store->data();
  d.leaves = leaves;
  d.nodes.clear();
  StoredHead forged;
  forged.generation = d.heads.size() + 1;
  forged.size = 4;
  forged.root = fork.Root();
  forged.frontier = fork.Frontier();
  forged.checkpoint = *SignCheckpoint({"test.example/audit", 4, forged.root, {}}, *forger);
  d.heads.push_back(forged);
  auto r = (*log)->Append(Event(4));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("inconsistent"), std::string::npos) << r.status().message();
  EXPECT_EQ(store->data().heads.size(), forged.generation);  // nothing signed on top
}

TEST(AuditLogMemoryTest, RefusesAHeadSignedByAnotherKey) {
  auto owned = std::make_unique<MemoryLogStore>();
  MemoryLogStore* store = owned.get();
  auto log = AuditLog::Open(std::move(owned), Signer());
  ASSERT_TRUE(log.ok());
  auto other = Signer("test.example/audit", 9);
  auto& d = store->data();
  StoredHead h = d.heads.back();
  h.generation++;
  h.checkpoint = *SignCheckpoint({"test.example/audit", 0, EmptyRoot(), {}}, *other);
  d.heads.push_back(h);
  auto r = (*log)->Append(Event(1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
}

TEST(AuditLogMemoryTest, OpenChecksTheOriginAndTheLatestHead) {
  auto owned = std::make_unique<MemoryLogStore>();
  MemoryLogStore* store = owned.get();
  auto log = AuditLog::Open(std::move(owned), Signer());
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE((*log)->Append(Event(1)).ok());
  MemoryLogStore::Data saved = store->data();
  log->reset();

  auto s2 = std::make_unique<MemoryLogStore>();
  s2->data() = saved;
  auto renamed = AuditLog::Open(std::move(s2), Signer("other.example/audit"));
  EXPECT_EQ(renamed.status().code(), StatusCode::kFailedPrecondition);

  auto s3 = std::make_unique<MemoryLogStore>();
  s3->data() = saved;
  s3->data().heads.back().frontier.back()[0] ^= 1;  // frontier no longer gives the root
  auto broken = AuditLog::Open(std::move(s3), Signer());
  EXPECT_EQ(broken.status().code(), StatusCode::kDataLoss);

  auto s4 = std::make_unique<MemoryLogStore>();
  s4->data() = saved;
  s4->data().leaves.pop_back();  // a lost entry
  auto lost = AuditLog::Open(std::move(s4), Signer());
  EXPECT_EQ(lost.status().code(), StatusCode::kDataLoss);
}

TEST(AuditLogMemoryTest, AFailedWriteLeavesTheLogUsable) {
  auto owned = std::make_unique<MemoryLogStore>();
  auto log = AuditLog::Open(std::move(owned), Signer());
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE((*log)->Append(Event(1)).ok());
  auto r = (*log)->Append(Event(2));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->index, 1u);
  EXPECT_TRUE(VerifyAll(**log).ok());
}

TEST(AuditLogHelpersTest, StartupDigestsHashFileBytes) {
  TempDir dir;
  {
    std::ofstream(dir.File("config.json")) << "{}";
    std::filesystem::create_directory(dir.File("policy"));
    std::ofstream(dir.File("policy/regions.json")) << "abc";
  }
  auto d = StartupDigests(dir.File("config.json"), dir.File("policy"));
  ASSERT_TRUE(d.ok());
  // SHA-256("{}") and SHA-256("abc").
  EXPECT_EQ((*d)["config_sha256"],
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
  EXPECT_EQ((*d)["policy_sha256"]["regions.json"],
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto none = StartupDigests("", "");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE((*none)["config_sha256"].is_null());
  EXPECT_EQ(StartupDigests(dir.File("missing.json"), "").status().code(), StatusCode::kNotFound);
}

TEST(AuditLogHelpersTest, NowIsAnEntryTime) { EXPECT_TRUE(CheckEntryTime(NowRfc3339()).ok()); }

}  // namespace
}  // namespace mailrelay::auditlog
