// vault/region_store.h — one region's SQLCipher file (vault-<region>.db): its keys, its records,
// its group-commit writer. Internal to vault/ (the Vault facade is the public surface).
// Thread-safe: writes go through the region's single writer thread; reads share one reader
// connection under a mutex (WAL lets it read while the writer writes).
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/status.h"
#include "keyring/key_set.h"
#include "vault/cursor.h"
#include "vault/erase.h"
#include "vault/group_commit.h"
#include "vault/key_table.h"
#include "vault/query.h"
#include "vault/record_codec.h"
#include "vault/sqlite.h"
#include "vault/sweep_cap.h"
#include "vault/sweep_counts.h"

namespace mailrelay::vault {

class RegionStore {
 public:
  // Opens (or, with `create_if_missing`, creates) `path` and loads or creates the region's
  // field and blind-index keys.
  static StatusOr<std::unique_ptr<RegionStore>> Open(const std::string& path,
                                                     std::unique_ptr<keyring::KeySet> keys,
                                                     bool create_if_missing);
  ~RegionStore();

  const keyring::KeySet& keys() const { return *keys_; }
  const std::string& path() const { return path_; }

  // Queues a batch on the writer thread / waits until it is durable (see GroupCommitter).
  void Enqueue(CommitBatch* batch) { committer_->Enqueue(batch); }
  Status Wait(CommitBatch* batch) { return committer_->Wait(batch); }
  GroupCommitter::Stats commit_stats() const { return committer_->stats(); }

  // Returns up to `limit` stored records matching `query` (its route, status and since; not its
  // cursor), newest first, strictly older than `after` when given.
  StatusOr<std::vector<StoredRecord>> List(const MessageQuery& query,
                                           const std::optional<CursorPosition>& after,
                                           size_t limit);
  // Returns ok when every page reads back intact (PRAGMA quick_check); else kDataLoss.
  Status Verify();
  // Returns the stored records whose sender or recipient blind index is `index`.
  StatusOr<std::vector<StoredRecord>> FindByIndex(const std::string& index);
  // Returns the stored records whose sender or recipient index is that of `address` under any
  // held blind-index version (two during a key rotation), each once.
  StatusOr<std::vector<StoredRecord>> FindByAddress(std::string_view address);
  // Erases the subject's records on its own connection (vault/erase.h).
  StatusOr<RegionErasure> EraseSubject(std::string_view normalized_address, bool dry_run);
  // Retention sweep as of `now_ms` on its own connection (vault/sweep.h); `limits`: the
  // region's lifetimes in force, to cap stored expiries beyond them first.
  StatusOr<SweepCounts> Sweep(int64_t now_ms, bool dry_run, const CapLimits* limits = nullptr);

 private:
  RegionStore(std::string path, std::unique_ptr<keyring::KeySet> keys, std::unique_ptr<Db> writer,
              std::unique_ptr<Db> reader);
  // Runs on the writer thread: one transaction, one savepoint per batch.
  void WriteGroup(std::vector<CommitBatch*>& group);
  Status WriteBatch(CommitBatch& batch);
  // A connection of its own for sweeps and erasures (bulk deletes; see the pragmas).
  StatusOr<std::unique_ptr<Db>> OpenMaintenanceConnection();
  Status Insert(const StoredRecord& record);
  StatusOr<std::vector<StoredRecord>> ReadRows(Stmt& stmt);
  // WAL checkpoints run on their own thread and connection, so commits never wait for one
  // (docs/vault.md "Checkpoints"). OnWalCommit is the writer connection's sqlite3_wal_hook.
  static int OnWalCommit(void* self, sqlite3* db, const char* name, int frames);
  void CheckpointLoop();

  const std::string path_;
  std::unique_ptr<keyring::KeySet> keys_;
  std::unique_ptr<Db> writer_;  // used only by the writer thread after Open
  SqliteKeyStore writer_key_store_;
  Stmt insert_;
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
  std::thread checkpoint_thread_;
  std::unique_ptr<GroupCommitter> committer_;  // last: its thread uses everything above
};

}  // namespace mailrelay::vault
