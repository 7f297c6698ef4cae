// vault/sqlcipher_region_store.h — the default RecordStore: one region's SQLCipher file
// (vault-<region>.db) with its group-commit writer (which also merges the blind-index tail,
// vault/blind_index_table.h), WAL checkpointer and wrapped-key table.
// Holds the file's page key (to open it) and nothing else: field and blind-index keys stay
// with the Vault (vault/record_store.h). Key rotation (vault/rotation.h) and the page re-key
// (vault/rekey.h) work on the file directly: SQLCipher-specific maintenance, not interface.
// Thread-safe: writes, and the retention sweep between them, go through the region's single
// writer thread; reads share one reader connection under a mutex (WAL lets it read while the
// writer writes); erasures use a connection of their own.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/status.h"
#include "keyring/key_set.h"
#include "vault/group_commit.h"
#include "vault/key_table.h"
#include "vault/record_store.h"
#include "vault/sqlite.h"

namespace mailrelay::vault {

class SqlcipherRegionStore : public RecordStore {
 public:
  // Opens (or, with `create_if_missing`, creates) `path` with the page key of `page_keys` (a
  // KeySet into which no field or index key is ever loaded). `guard` outlives the store.
  static StatusOr<std::unique_ptr<SqlcipherRegionStore>> Open(
      const std::string& path, std::unique_ptr<keyring::KeySet> page_keys, WriteGuard& guard,
      bool create_if_missing);
  // The factory Vault::Open uses by default: vault-<region>.db in `data_dir`; finishes a re-key
  // a crash interrupted, then opens the file under the page-key version its key-check names.
  static RecordStoreFactory Factory(std::string data_dir, bool create_if_missing);
  ~SqlcipherRegionStore() override;

  const std::string& path() const { return path_; }

  std::string Describe() const override { return "vault file " + path_; }
  Status WithKeyTable(const std::function<Status(keyring::WrappedKeyStore&)>& use) override;
  void Enqueue(CommitBatch* batch) override { committer_->Enqueue(batch); }
  Status Wait(CommitBatch* batch) override { return committer_->Wait(batch); }
  GroupCommitter::Stats commit_stats() const override { return committer_->stats(); }
  StatusOr<std::vector<StoredRecord>> List(const MessageQuery& query,
                                           const std::optional<CursorPosition>& after,
                                           size_t limit) override;
  // The position of the record List(query, after, 1) would return, if any: from the time or
  // route index alone when the query has no status.
  StatusOr<std::optional<CursorPosition>> Newest(const MessageQuery& query,
                                                 const std::optional<CursorPosition>& after);
  StatusOr<std::vector<StoredRecord>> FindByIndexPrefix(std::string_view prefix) override;
  StatusOr<std::vector<EraseCandidate>> EraseCandidates(std::string_view prefix) override;
  StatusOr<uint64_t> DeleteRows(const std::vector<int64_t>& rows, size_t batch) override;
  StatusOr<bool> ReclaimSpace() override;
  StatusOr<SweepCounts> Sweep(int64_t now_ms, bool dry_run, const CapLimits* limits,
                              const SweepProgress& progress) override;
  // PRAGMA quick_check: reads every page, which also checks each page's HMAC.
  Status Verify() override;
  // Returns how many records the file holds (reads every leaf of the records table).
  StatusOr<int64_t> RecordCount();

 private:
  SqlcipherRegionStore(std::string path, std::unique_ptr<keyring::KeySet> page_keys,
                       WriteGuard& guard, std::unique_ptr<Db> writer, std::unique_ptr<Db> reader);
  // Runs on the writer thread: one transaction, one savepoint per batch.
  void WriteGroup(std::vector<CommitBatch*>& group);
  Status WriteBatch(CommitBatch& batch);
  // A connection of its own for sweeps and erasures (bulk deletes; see the pragmas).
  StatusOr<std::unique_ptr<Db>> OpenMaintenanceConnection();
  Status Insert(const StoredRecord& record);
  StatusOr<std::vector<StoredRecord>> ReadRows(Stmt& stmt);
  // On the writer thread after each group: merges the blind-index tail once it is long enough.
  void MergeIndexTailIfDue();
  // Merges the tail now (writer thread, or after it stopped); false, logged, if that failed.
  bool MergeIndexTailNow();
  // WAL checkpoints run on their own thread and connection, so commits never wait for one
  // (docs/vault.md "Checkpoints"). OnWalCommit is the writer connection's sqlite3_wal_hook.
  static int OnWalCommit(void* self, sqlite3* db, const char* name, int frames);
  void CheckpointLoop();

  const std::string path_;
  std::unique_ptr<keyring::KeySet> page_keys_;  // the page key only (and the region id)
  WriteGuard& guard_;
  std::unique_ptr<Db> writer_;  // used only by the writer thread after Open
  SqliteKeyStore writer_key_store_;
  Stmt insert_, insert_tail_;
  int64_t unmerged_records_ = 0;  // writer thread only: records written since the last merge
  bool committed_ = false;        // writer thread only: a group committed since Open
  struct {
    Stmt begin, commit, rollback, savepoint, release, rollback_to;
  } txn_;  // prepared once: the writer runs them for every group
  std::mutex read_mu_;
  std::unique_ptr<Db> reader_;  // guarded by read_mu_
  SqliteKeyStore reader_key_store_;
  std::unique_ptr<Db> checkpointer_;  // used only by the checkpoint thread after Open
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_wanted_ = false, checkpoint_stop_ = false;  // guarded by checkpoint_mu_
  std::atomic<int> checkpointed_frames_{0};  // WAL frames the last checkpoint had copied
  std::atomic<bool> maintenance_{false};     // a sweep runs on the writer: checkpoint sooner
  std::thread checkpoint_thread_;
  std::unique_ptr<GroupCommitter> committer_;  // last: its thread uses everything above
};

}  // namespace mailrelay::vault
