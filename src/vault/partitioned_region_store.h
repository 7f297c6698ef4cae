// vault/partitioned_region_store.h — a region's records in expiry partitions: one SQLCipher file
// per span of expiry days (vault-<region>.d/<first day>+<span>.db, vault/partition_layout.h)
// beside the region file, which keeps the wrapped keys and any record no partition takes.
// A sweep removes a partition whose last expiry has passed as a whole file (O(files), no
// row deletes, on no lock the relay's commits wait for); the rest is swept row by row. A
// partition is opened when first used and closed when idle. docs/retention.md "Expiry
// partitions". Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "keyring/master_key.h"
#include "vault/partition_layout.h"
#include "vault/record_store.h"
#include "vault/sqlcipher_region_store.h"

namespace mailrelay::vault {

class PartitionedRegionStore : public RecordStore {
 public:
  // The factory Vault::Open uses: the region file as SqlcipherRegionStore::Factory opens it, plus
  // every partition in vault-<region>.d/. New records go to partitions of `span_days` days;
  // with 0 they go to the region file (the partitions already there are still read and swept).
  // A sweep ends by closing the partitions no commit or read has used for `idle_before_close`.
  static RecordStoreFactory Factory(std::string data_dir, int span_days,
                                    std::chrono::milliseconds idle_before_close,
                                    bool create_if_missing);
  ~PartitionedRegionStore() override;

  std::string Describe() const override;
  Status WithKeyTable(const std::function<Status(keyring::WrappedKeyStore&)>& use) override;
  void Enqueue(CommitBatch* batch) override;
  Status Wait(CommitBatch* batch) override;
  GroupCommitter::Stats commit_stats() const override;
  StatusOr<std::vector<StoredRecord>> List(const MessageQuery& query,
                                           const std::optional<CursorPosition>& after,
                                           size_t limit) override;
  StatusOr<std::vector<StoredRecord>> FindByIndexPrefix(std::string_view prefix) override;
  StatusOr<std::vector<EraseCandidate>> EraseCandidates(std::string_view prefix) override;
  StatusOr<uint64_t> DeleteRows(const std::vector<int64_t>& rows, size_t batch) override;
  StatusOr<bool> ReclaimSpace() override;
  StatusOr<SweepCounts> Sweep(int64_t now_ms, bool dry_run, const CapLimits* limits,
                              const SweepProgress& progress) override;
  Status Verify() override;

 private:
  struct Partition {
    PartitionId id;
    std::unique_ptr<SqlcipherRegionStore> store;
  };
  using PartitionPtr = std::shared_ptr<Partition>;
  using Clock = std::chrono::steady_clock;
  // A partition file in the set: open (its writer, checkpointer and connections running) while
  // used, closed again once idle (CloseIdle): each open one holds up to 96 MiB of page cache
  // and two threads, and all but the one being written are mostly idle.
  struct Slot {
    PartitionPtr open;              // null: closed
    Clock::time_point last_used{};  // by a commit or a read; the sweep's own use does not count
  };
  // The partitions' WriteGuard: the region's, reading the key table of the region file, since a
  // partition has none of its own.
  class KeyTableOfBase : public WriteGuard {
   public:
    KeyTableOfBase(WriteGuard& region, RecordStore& base) : region_(region), base_(base) {}
    Status BeginGroup(keyring::WrappedKeyStore& partition_table) override;
    Status PrepareBatch(CommitBatch& batch) override { return region_.PrepareBatch(batch); }

   private:
    WriteGuard& region_;
    RecordStore& base_;
  };

  PartitionedRegionStore(std::string dir, std::string region, int span_days,
                         std::chrono::milliseconds idle_before_close, keyring::MasterKey root,
                         WriteGuard& guard, std::unique_ptr<RecordStore> base);
  std::string PathOf(const PartitionId& id) const;
  // Opens the file of `id`; kNotFound when it is not there (and `create` is false).
  StatusOr<PartitionPtr> OpenPartition(const PartitionId& id, bool create);
  // Lists the partition files in dir_ (finishing interrupted drops first), all closed.
  Status FindExisting();
  // Returns partition `id` open, opening it if it is closed (or, with `create`, new). nullptr
  // when it is not in the set: dropped, or (without `create`) never there or removed by
  // another process. `touch` counts this as use (keeps it open).
  StatusOr<PartitionPtr> Acquire(const PartitionId& id, bool touch, bool create);
  // The partition for `batch` (opened or created), or nullptr for the region file: a batch
  // whose records span partitions, or expire in one the sweep has already dropped.
  StatusOr<PartitionPtr> TargetFor(const CommitBatch& batch);
  std::vector<PartitionId> Ids() const;
  // Every partition, opened, oldest first, held so none is dropped or closed while the caller
  // uses it; counts as use.
  StatusOr<std::vector<PartitionPtr>> OpenAll();
  // Every store with the tag an erasure candidate's row carries: the region file (0) first,
  // then the partitions, oldest first.
  std::vector<std::pair<int64_t, RecordStore*>> Stores(const std::vector<PartitionPtr>& held);
  // Takes `id` out of the set, waits for its last user, closes and destroys its file. Returns
  // its record count; kNotFound if another process removed it. Any other error (kUnavailable:
  // another process holds the file) leaves it back in the set, closed.
  StatusOr<int64_t> Drop(const PartitionId& id);
  // Closes every open partition no commit or read has used for idle_before_close_.
  void CloseIdle();

  const std::string dir_;  // vault-<region>.d
  const std::string region_;
  const int span_days_;
  const std::chrono::milliseconds idle_before_close_;
  const keyring::MasterKey root_;  // derives the partitions' page keys only
  std::unique_ptr<RecordStore> base_;
  KeyTableOfBase partition_guard_;
  mutable std::mutex mu_;
  std::map<PartitionId, Slot> partitions_;  // guarded by mu_
  int64_t dropped_before_ms_ = INT64_MIN;   // guarded by mu_: expiries earlier go to base_
  // Guarded by mu_: where each batch went, from Enqueue to Wait (nullptr: the region file;
  // nullopt: nowhere, its partition failed to open).
  std::map<const CommitBatch*, std::optional<PartitionPtr>> pending_;
  GroupCommitter::Stats closed_stats_;  // guarded by mu_: of partitions closed or dropped
  // Held while a partition is opened, so one file is never opened twice at once, and by a
  // drop once the file left the set, so no open of it is in flight.
  std::mutex open_mu_;
};

}  // namespace mailrelay::vault
