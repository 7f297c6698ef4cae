// vault/partitioned_region_store.cc — see partitioned_region_store.h.
#include "vault/partitioned_region_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "common/log.h"
#include "keyring/key_set.h"
#include "vault/partition_drop.h"
#include "vault/partition_files.h"

namespace mailrelay::vault {
namespace {

// An erasure candidate's row names its file: the partition's tag in the high bits (0 for the
// region file), the row id (SQLite's seq) in the low 38 bits.
constexpr int kRowBits = 38;
constexpr int64_t kRowMask = (int64_t{1} << kRowBits) - 1;

int64_t TagOf(const PartitionId& id) { return id.first_day * 32 + id.span_days; }

void Add(SweepCounts& total, const SweepCounts& c) {
  total.records_deleted += c.records_deleted;
  for (const auto& [field, n] : c.fields_cleared) total.fields_cleared[field] += n;
  total.expiries_capped += c.expiries_capped;
  total.partitions_dropped += c.partitions_dropped;
  total.space_freed = total.space_freed && c.space_freed;
  total.batches += c.batches;
  total.max_batch_hold_us = std::max(total.max_batch_hold_us, c.max_batch_hold_us);
}

bool NewerFirst(const StoredRecord& a, const StoredRecord& b) {
  if (a.received_at_ms != b.received_at_ms) return a.received_at_ms > b.received_at_ms;
  return a.id > b.id;
}

}  // namespace

Status PartitionedRegionStore::KeyTableOfBase::BeginGroup(
    keyring::WrappedKeyStore& /*partition_table*/) {
  // The partition's write lock is held: a `keys rotate` that destroys a version after this
  // read cannot have missed the rows this group writes (docs/keys.md "Rotation").
  return base_.WithKeyTable(
      [&](keyring::WrappedKeyStore& table) { return region_.BeginGroup(table); });
}

PartitionedRegionStore::PartitionedRegionStore(std::string dir, std::string region, int span_days,
                                               keyring::MasterKey root, WriteGuard& guard,
                                               std::unique_ptr<RecordStore> base)
    : dir_(std::move(dir)),
      region_(std::move(region)),
      span_days_(span_days),
      root_(std::move(root)),
      base_(std::move(base)),
      partition_guard_(guard, *base_) {}

PartitionedRegionStore::~PartitionedRegionStore() {
  std::lock_guard lock(mu_);
  partitions_.clear();  // their writers use partition_guard_ and base_
}

RecordStoreFactory PartitionedRegionStore::Factory(std::string data_dir, int span_days,
                                                   bool create_if_missing) {
  return [data_dir = std::move(data_dir), span_days, create_if_missing](
             const std::string& region, const keyring::MasterKey& master,
             WriteGuard& guard) -> StatusOr<std::unique_ptr<RecordStore>> {
    if (span_days < 0 || span_days > kMaxPartitionSpanDays) {
      return Status::InvalidArgument("vault: partition span of " + std::to_string(span_days) +
                                     " days; use 0 (off) to " +
                                     std::to_string(kMaxPartitionSpanDays));
    }
    MR_ASSIGN_OR_RETURN(
        std::unique_ptr<RecordStore> base,
        SqlcipherRegionStore::Factory(data_dir, create_if_missing)(region, master, guard));
    MR_ASSIGN_OR_RETURN(keyring::MasterKey root, PartitionRoot(master, region));
    std::unique_ptr<PartitionedRegionStore> store(
        new PartitionedRegionStore(data_dir + "/" + PartitionDirName(region), region, span_days,
                                   std::move(root), guard, std::move(base)));
    MR_RETURN_IF_ERROR(store->OpenExisting());
    return std::unique_ptr<RecordStore>(std::move(store));
  };
}

StatusOr<PartitionedRegionStore::PartitionPtr> PartitionedRegionStore::OpenPartition(
    const PartitionId& id, bool create) {
  if (create && ::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::PermissionDenied("cannot create partition directory " + dir_ + ": " +
                                    std::strerror(errno));
  }
  const std::string path = dir_ + "/" + PartitionFileName(id);
  // A new file gets page-key version 1: PartitionKeys reads no key check then.
  MR_ASSIGN_OR_RETURN(std::unique_ptr<keyring::KeySet> keys,
                      PartitionKeys(root_, region_, id, path));
  MR_ASSIGN_OR_RETURN(std::unique_ptr<SqlcipherRegionStore> store,
                      SqlcipherRegionStore::Open(path, std::move(keys), partition_guard_, create));
  return std::make_shared<Partition>(Partition{id, std::move(store)});
}

Status PartitionedRegionStore::OpenExisting() {
  std::error_code ec;
  if (!std::filesystem::exists(dir_, ec)) return Status::Ok();
  MR_ASSIGN_OR_RETURN(int finished, FinishInterruptedDrops(dir_));
  if (finished > 0) {
    log::Warn("vault.partition_drops_completed")
        .Ident("region", log::Id(region_))
        .Num("files", finished)
        .Emit();
  }
  MR_ASSIGN_OR_RETURN(std::vector<PartitionId> found, ListPartitions(dir_));
  for (const PartitionId& id : found) {
    MR_ASSIGN_OR_RETURN(PartitionPtr p, OpenPartition(id, /*create=*/false));
    std::lock_guard lock(mu_);
    partitions_.emplace(id, std::move(p));
  }
  return Status::Ok();
}

std::string PartitionedRegionStore::Describe() const {
  return base_->Describe() + " and its partitions in " + dir_;
}

Status PartitionedRegionStore::WithKeyTable(
    const std::function<Status(keyring::WrappedKeyStore&)>& use) {
  return base_->WithKeyTable(use);
}

StatusOr<PartitionedRegionStore::PartitionPtr> PartitionedRegionStore::TargetFor(
    const CommitBatch& batch) {
  const std::vector<StoredRecord>& records = *batch.records;
  if (records.empty() || span_days_ == 0) return PartitionPtr();
  const PartitionId id = PartitionFor(records.front().expires_at_ms, span_days_);
  for (const StoredRecord& r : records) {
    if (PartitionFor(r.expires_at_ms, span_days_) != id) return PartitionPtr();
  }
  std::lock_guard lock(mu_);
  // A dropped partition is never created again: its late records are swept row by row.
  if (PartitionEndMs(id) <= dropped_before_ms_) return PartitionPtr();
  if (auto it = partitions_.find(id); it != partitions_.end()) return it->second;
  MR_ASSIGN_OR_RETURN(PartitionPtr p, OpenPartition(id, /*create=*/true));
  partitions_.emplace(id, p);
  return p;
}

void PartitionedRegionStore::Enqueue(CommitBatch* batch) {
  StatusOr<PartitionPtr> target = TargetFor(*batch);
  if (!target.ok()) {
    batch->status = target.status().WithContext("vault region " + region_);
    std::lock_guard lock(mu_);
    pending_[batch] = std::nullopt;
    return;
  }
  RecordStore* store = *target ? (*target)->store.get() : base_.get();
  {
    std::lock_guard lock(mu_);
    pending_[batch] = std::move(*target);
  }
  store->Enqueue(batch);
}

Status PartitionedRegionStore::Wait(CommitBatch* batch) {
  std::optional<PartitionPtr> route;
  {
    std::lock_guard lock(mu_);
    auto it = pending_.find(batch);
    if (it == pending_.end()) return Status::Internal("vault: Wait without Enqueue");
    route = std::move(it->second);
    pending_.erase(it);
  }
  if (!route) return batch->status;  // never enqueued: its partition could not be opened
  return (*route ? (*route)->store.get() : base_.get())->Wait(batch);
}

GroupCommitter::Stats PartitionedRegionStore::commit_stats() const {
  GroupCommitter::Stats total = base_->commit_stats();
  std::lock_guard lock(mu_);
  total.groups += dropped_stats_.groups;
  total.batches += dropped_stats_.batches;
  for (const auto& [id, p] : partitions_) {
    GroupCommitter::Stats s = p->store->commit_stats();
    total.groups += s.groups;
    total.batches += s.batches;
  }
  return total;
}

std::vector<PartitionedRegionStore::PartitionPtr> PartitionedRegionStore::Snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<PartitionPtr> out;
  out.reserve(partitions_.size());
  for (const auto& [id, p] : partitions_) out.push_back(p);
  return out;
}

std::vector<std::pair<int64_t, RecordStore*>> PartitionedRegionStore::Stores(
    const std::vector<PartitionPtr>& held) {
  std::vector<std::pair<int64_t, RecordStore*>> out{{0, base_.get()}};
  for (const PartitionPtr& p : held) out.emplace_back(TagOf(p->id), p->store.get());
  return out;
}

StatusOr<std::vector<StoredRecord>> PartitionedRegionStore::List(
    const MessageQuery& query, const std::optional<CursorPosition>& after, size_t limit) {
  const std::vector<PartitionPtr> held = Snapshot();
  std::vector<StoredRecord> out;
  for (const auto& [tag, store] : Stores(held)) {
    MR_ASSIGN_OR_RETURN(std::vector<StoredRecord> page, store->List(query, after, limit));
    for (StoredRecord& r : page) out.push_back(std::move(r));
  }
  // Each store's page is its newest `limit`: the newest `limit` of all of them are among these.
  std::sort(out.begin(), out.end(), NewerFirst);
  if (out.size() > limit) out.resize(limit);
  return out;
}

StatusOr<std::vector<StoredRecord>> PartitionedRegionStore::FindByIndexPrefix(
    std::string_view prefix) {
  const std::vector<PartitionPtr> held = Snapshot();
  std::vector<StoredRecord> out;
  for (const auto& [tag, store] : Stores(held)) {
    MR_ASSIGN_OR_RETURN(std::vector<StoredRecord> found, store->FindByIndexPrefix(prefix));
    for (StoredRecord& r : found) out.push_back(std::move(r));
  }
  return out;
}

StatusOr<std::vector<EraseCandidate>> PartitionedRegionStore::EraseCandidates(
    std::string_view prefix) {
  const std::vector<PartitionPtr> held = Snapshot();
  std::vector<EraseCandidate> out;
  for (const auto& [tag, store] : Stores(held)) {
    MR_ASSIGN_OR_RETURN(std::vector<EraseCandidate> found, store->EraseCandidates(prefix));
    for (EraseCandidate& c : found) {
      if (c.row < 0 || c.row > kRowMask) {
        return Status::Internal(store->Describe() + ": row " + std::to_string(c.row) +
                                " beyond the range an erasure can name");
      }
      c.row |= tag << kRowBits;
      out.push_back(std::move(c));
    }
  }
  return out;
}

StatusOr<uint64_t> PartitionedRegionStore::DeleteRows(const std::vector<int64_t>& rows,
                                                      size_t batch) {
  std::map<int64_t, std::vector<int64_t>> by_tag;
  for (int64_t row : rows) by_tag[row >> kRowBits].push_back(row & kRowMask);
  const std::vector<PartitionPtr> held = Snapshot();
  uint64_t deleted = 0;
  for (const auto& [tag, store] : Stores(held)) {
    auto it = by_tag.find(tag);
    if (it == by_tag.end()) continue;  // a partition dropped meanwhile took its rows with it
    MR_ASSIGN_OR_RETURN(uint64_t n, store->DeleteRows(it->second, batch));
    deleted += n;
  }
  return deleted;
}

StatusOr<bool> PartitionedRegionStore::ReclaimSpace() {
  const std::vector<PartitionPtr> held = Snapshot();
  bool freed = true;
  for (const auto& [tag, store] : Stores(held)) {
    MR_ASSIGN_OR_RETURN(bool f, store->ReclaimSpace());
    freed = freed && f;
  }
  return freed;
}

Status PartitionedRegionStore::Verify() {
  const std::vector<PartitionPtr> held = Snapshot();
  for (const auto& [tag, store] : Stores(held)) MR_RETURN_IF_ERROR(store->Verify());
  return Status::Ok();
}

StatusOr<int64_t> PartitionedRegionStore::Drop(PartitionPtr p) {
  {
    std::lock_guard lock(mu_);
    partitions_.erase(p->id);
    dropped_before_ms_ = std::max(dropped_before_ms_, PartitionEndMs(p->id));
  }
  // Readers and commits that took it before it left the map finish first (a commit into an
  // expired partition is rare: a record written already past its expiry).
  while (p.use_count() > 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  MR_ASSIGN_OR_RETURN(int64_t records, p->store->RecordCount());
  const std::string path = p->store->path();
  {
    GroupCommitter::Stats s = p->store->commit_stats();
    std::lock_guard lock(mu_);
    dropped_stats_.groups += s.groups;
    dropped_stats_.batches += s.batches;
  }
  p->store.reset();  // closes this process's connections: the file must be ours alone
  MR_ASSIGN_OR_RETURN(std::unique_ptr<keyring::KeySet> keys,
                      PartitionKeys(root_, region_, p->id, path));
  Status destroyed = DestroyPartitionFile(path, *keys);
  if (!destroyed.ok()) {
    // Back in use, untouched: readers see its records until a later sweep can drop it.
    MR_ASSIGN_OR_RETURN(PartitionPtr again, OpenPartition(p->id, /*create=*/false));
    std::lock_guard lock(mu_);
    partitions_.emplace(p->id, std::move(again));
    return destroyed;
  }
  return records;
}

StatusOr<SweepCounts> PartitionedRegionStore::Sweep(int64_t now_ms, bool dry_run,
                                                    const CapLimits* limits,
                                                    const SweepProgress& progress) {
  SweepCounts total;
  total.space_freed = true;
  std::vector<PartitionPtr> held = Snapshot();
  std::vector<PartitionPtr> live;
  // Whole files first: a partition past its last expiry holds nothing a sweep would keep.
  for (PartitionPtr& p : held) {
    if (!PartitionExpired(p->id, now_ms)) {
      live.push_back(std::move(p));
      continue;
    }
    const PartitionId id = p->id;
    StatusOr<int64_t> records = dry_run ? p->store->RecordCount() : Drop(std::move(p));
    if (records.status().code() == StatusCode::kUnavailable) {
      // Another process has the file open (`mailrelay sweep` beside `serve`): its records go
      // row by row instead, and the file at a later sweep.
      log::Warn("vault.partition_busy").Ident("region", log::Id(region_)).Emit();
      std::lock_guard lock(mu_);
      if (auto it = partitions_.find(id); it != partitions_.end()) live.push_back(it->second);
      continue;
    }
    if (!records.ok()) return records.status();
    total.records_deleted += *records;
    total.partitions_dropped += 1;
    if (progress) progress(total);
  }
  held.clear();
  // Then row by row: records a shorter policy capped, fields past their own lifetimes, the
  // region file's records and those of a partition that could not go whole.
  std::vector<RecordStore*> stores{base_.get()};
  for (const PartitionPtr& p : live) stores.push_back(p->store.get());
  for (RecordStore* store : stores) {
    const SweepCounts before = total;
    SweepProgress each;
    if (progress) {
      each = [&](const SweepCounts& so_far) {
        SweepCounts sum = before;
        Add(sum, so_far);
        progress(sum);
      };
    }
    MR_ASSIGN_OR_RETURN(SweepCounts counts, store->Sweep(now_ms, dry_run, limits, each));
    Add(total, counts);
  }
  return total;
}

}  // namespace mailrelay::vault
