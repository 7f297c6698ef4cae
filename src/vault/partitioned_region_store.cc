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

bool NewerFirst(const StoredRecord& a, const StoredRecord& b) { return NewerInHistory(a, b); }

}  // namespace

Status PartitionedRegionStore::KeyTableOfBase::BeginGroup(
    keyring::WrappedKeyStore& /*partition_table*/) {
  // The partition's write lock is held: a `keys rotate` that destroys a version after this
  // read cannot have missed the rows this group writes (docs/keys.md "Rotation").
  return base_.WithKeyTable(
      [&](keyring::WrappedKeyStore& table) { return region_.BeginGroup(table); });
}

PartitionedRegionStore::PartitionedRegionStore(std::string dir, std::string region, int span_days,
                                               std::chrono::milliseconds idle_before_close,
                                               keyring::MasterKey root, WriteGuard& guard,
                                               std::unique_ptr<RecordStore> base)
    : dir_(std::move(dir)),
      region_(std::move(region)),
      span_days_(span_days),
      idle_before_close_(idle_before_close),
      root_(std::move(root)),
      base_(std::move(base)),
      partition_guard_(guard, *base_) {}

PartitionedRegionStore::~PartitionedRegionStore() {
  std::lock_guard lock(mu_);
  partitions_.clear();  // their writers use partition_guard_ and base_
}

RecordStoreFactory PartitionedRegionStore::Factory(std::string data_dir, int span_days,
                                                   std::chrono::milliseconds idle_before_close,
                                                   bool create_if_missing) {
  return [data_dir = std::move(data_dir), span_days, idle_before_close, create_if_missing](
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
                                   idle_before_close, std::move(root), guard, std::move(base)));
    MR_RETURN_IF_ERROR(store->FindExisting());
    return std::unique_ptr<RecordStore>(std::move(store));
  };
}

StatusOr<PartitionedRegionStore::PartitionPtr> PartitionedRegionStore::OpenPartition(
    const PartitionId& id, bool create) {
  if (create && ::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::PermissionDenied("cannot create partition directory " + dir_ + ": " +
                                    std::strerror(errno));
  }
  const std::string path = PathOf(id);
  std::error_code ec;
  if (!create && !std::filesystem::exists(path, ec)) {
    return Status::NotFound("vault partition " + path + " is gone");
  }
  // A new file gets page-key version 1: PartitionKeys reads no key check then.
  MR_ASSIGN_OR_RETURN(std::unique_ptr<keyring::KeySet> keys,
                      PartitionKeys(root_, region_, id, path));
  if (create && !std::filesystem::exists(path, ec)) {
    MR_RETURN_IF_ERROR(CreatePartitionFile(path, *keys));
  }
  MR_ASSIGN_OR_RETURN(
      std::unique_ptr<SqlcipherRegionStore> store,
      SqlcipherRegionStore::Open(path, std::move(keys), partition_guard_, /*create=*/false));
  return std::make_shared<Partition>(Partition{id, std::move(store)});
}

Status PartitionedRegionStore::FindExisting() {
  std::error_code ec;
  if (!std::filesystem::exists(dir_, ec)) return Status::Ok();
  MR_ASSIGN_OR_RETURN(const int unfinished, RemoveUnfinishedCreations(dir_));
  if (unfinished > 0) {
    log::Warn("vault.partition_creations_discarded")
        .Ident("region", log::Id(region_))
        .Num("files", unfinished)
        .Emit();
  }
  MR_ASSIGN_OR_RETURN(int finished, FinishInterruptedDrops(dir_));
  if (finished > 0) {
    log::Warn("vault.partition_drops_completed")
        .Ident("region", log::Id(region_))
        .Num("files", finished)
        .Emit();
  }
  MR_ASSIGN_OR_RETURN(std::vector<PartitionId> found, ListPartitions(dir_));
  std::lock_guard lock(mu_);
  for (const PartitionId& id : found) partitions_.emplace(id, Slot{});
  return Status::Ok();
}

StatusOr<PartitionedRegionStore::PartitionPtr> PartitionedRegionStore::Acquire(
    const PartitionId& id, bool touch, bool create) {
  // Whether `id` may be (re)entered into the set: never once dropped.
  auto admissible = [&] { return PartitionEndMs(id) > dropped_before_ms_; };
  auto use = [&](Slot& slot) {
    if (touch) slot.last_used = Clock::now();
    return slot.open;
  };
  // Under mu_: the answer (null: not in the set), or nullopt when it is there to be opened.
  auto answer_now = [&]() -> std::optional<PartitionPtr> {
    auto it = partitions_.find(id);
    if (it == partitions_.end() && !(create && admissible())) return PartitionPtr();
    if (it != partitions_.end() && it->second.open) return use(it->second);
    return std::nullopt;
  };
  {
    std::lock_guard lock(mu_);
    if (std::optional<PartitionPtr> answer = answer_now()) return *answer;
  }
  std::lock_guard opening(open_mu_);
  {
    std::lock_guard lock(mu_);  // another thread may have opened it meanwhile
    if (std::optional<PartitionPtr> answer = answer_now()) return *answer;
  }
  StatusOr<PartitionPtr> opened = OpenPartition(id, create);
  std::lock_guard lock(mu_);
  auto it = partitions_.find(id);
  if (opened.status().code() == StatusCode::kNotFound) {
    if (it != partitions_.end()) partitions_.erase(it);  // another process removed the file
    return PartitionPtr();
  }
  if (!opened.ok()) return opened.status();
  if (it == partitions_.end()) {
    // Dropped while it opened: the copy closes before open_mu_ is released, which the drop
    // waits for.
    if (!(create && admissible())) return PartitionPtr();
    it = partitions_.emplace(id, Slot{}).first;
  }
  it->second.open = std::move(*opened);
  return use(it->second);
}

std::string PartitionedRegionStore::PathOf(const PartitionId& id) const {
  return dir_ + "/" + PartitionFileName(id);
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
  // nullptr for a dropped partition, never created again: its late records are swept row by row.
  return Acquire(id, /*touch=*/true, /*create=*/true);
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
  total.groups += closed_stats_.groups;
  total.batches += closed_stats_.batches;
  for (const auto& [id, slot] : partitions_) {
    if (!slot.open) continue;
    GroupCommitter::Stats s = slot.open->store->commit_stats();
    total.groups += s.groups;
    total.batches += s.batches;
  }
  return total;
}

std::vector<PartitionId> PartitionedRegionStore::Ids() const {
  std::lock_guard lock(mu_);
  std::vector<PartitionId> out;
  out.reserve(partitions_.size());
  for (const auto& [id, slot] : partitions_) out.push_back(id);
  return out;
}

StatusOr<std::vector<PartitionedRegionStore::PartitionPtr>> PartitionedRegionStore::OpenAll() {
  std::vector<PartitionPtr> out;
  for (const PartitionId& id : Ids()) {
    MR_ASSIGN_OR_RETURN(PartitionPtr p, Acquire(id, /*touch=*/true, /*create=*/false));
    if (p) out.push_back(std::move(p));
  }
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
  MR_ASSIGN_OR_RETURN(const std::vector<PartitionPtr> held, OpenAll());
  MR_ASSIGN_OR_RETURN(std::vector<StoredRecord> out, base_->List(query, after, limit));
  // Partitions split records by expiry, not arrival, but with a region's usual lifetimes a page
  // lies in one or two of them. Each file's newest match (from an index) orders them; reading
  // rows stops at the first file whose newest is older than the page's last record.
  std::vector<std::pair<CursorPosition, SqlcipherRegionStore*>> newest;
  for (const PartitionPtr& p : held) {
    MR_ASSIGN_OR_RETURN(std::optional<CursorPosition> position, p->store->Newest(query, after));
    if (position) newest.emplace_back(std::move(*position), p->store.get());
  }
  std::sort(newest.begin(), newest.end(),
            [](const auto& a, const auto& b) { return NewerInHistory(a.first, b.first); });
  std::sort(out.begin(), out.end(), NewerFirst);
  for (const auto& [position, store] : newest) {
    if (out.size() >= limit && !NewerInHistory(position, out[limit - 1])) break;
    MR_ASSIGN_OR_RETURN(std::vector<StoredRecord> page, store->List(query, after, limit));
    for (StoredRecord& r : page) out.push_back(std::move(r));
    std::sort(out.begin(), out.end(), NewerFirst);
    if (out.size() > limit) out.resize(limit);
  }
  return out;
}

StatusOr<std::vector<StoredRecord>> PartitionedRegionStore::FindByIndexPrefix(
    std::string_view prefix) {
  MR_ASSIGN_OR_RETURN(const std::vector<PartitionPtr> held, OpenAll());
  std::vector<StoredRecord> out;
  for (const auto& [tag, store] : Stores(held)) {
    MR_ASSIGN_OR_RETURN(std::vector<StoredRecord> found, store->FindByIndexPrefix(prefix));
    for (StoredRecord& r : found) out.push_back(std::move(r));
  }
  return out;
}

StatusOr<std::vector<EraseCandidate>> PartitionedRegionStore::EraseCandidates(
    std::string_view prefix) {
  MR_ASSIGN_OR_RETURN(const std::vector<PartitionPtr> held, OpenAll());
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
  MR_ASSIGN_OR_RETURN(const std::vector<PartitionPtr> held, OpenAll());
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
  MR_ASSIGN_OR_RETURN(const std::vector<PartitionPtr> held, OpenAll());
  bool freed = true;
  for (const auto& [tag, store] : Stores(held)) {
    MR_ASSIGN_OR_RETURN(bool f, store->ReclaimSpace());
    freed = freed && f;
  }
  return freed;
}

Status PartitionedRegionStore::Verify() {
  MR_ASSIGN_OR_RETURN(const std::vector<PartitionPtr> held, OpenAll());
  for (const auto& [tag, store] : Stores(held)) MR_RETURN_IF_ERROR(store->Verify());
  return Status::Ok();
}

StatusOr<int64_t> PartitionedRegionStore::Drop(const PartitionId& id) {
  PartitionPtr p;
  {
    std::lock_guard lock(mu_);
    auto it = partitions_.find(id);
    if (it == partitions_.end()) return Status::NotFound("vault partition dropped already");
    p = std::move(it->second.open);
    partitions_.erase(it);
    dropped_before_ms_ = std::max(dropped_before_ms_, PartitionEndMs(id));
  }
  { std::lock_guard barrier(open_mu_); }  // an open of it in flight has seen it gone and closed
  // On failure it goes back into the set, closed and untouched: readers see its records until a
  // later sweep can drop it.
  auto put_back = [&](const Status& failed) {
    std::lock_guard lock(mu_);
    partitions_.emplace(id, Slot{});
    return failed;
  };
  if (p) {
    // Readers and commits that took it before it left the set finish first (a commit into an
    // expired partition is rare: a record written already past its expiry).
    while (p.use_count() > 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    GroupCommitter::Stats s = p->store->commit_stats();
    std::lock_guard lock(mu_);
    closed_stats_.groups += s.groups;
    closed_stats_.batches += s.batches;
  }
  p.reset();  // closes this process's connections: the file must be ours alone
  const std::string path = PathOf(id);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status::NotFound("vault partition " + path + " is gone");  // another process's drop
  }
  StatusOr<std::unique_ptr<keyring::KeySet>> keys = PartitionKeys(root_, region_, id, path);
  if (!keys.ok()) return put_back(keys.status());
  StatusOr<int64_t> records = DestroyPartitionFile(path, **keys);
  if (!records.ok()) return put_back(records.status());
  return *records;
}

void PartitionedRegionStore::CloseIdle() {
  const Clock::time_point cutoff = Clock::now() - idle_before_close_;
  std::vector<PartitionPtr> closing;  // closed when it goes: outside mu_, which commits take
  {
    std::lock_guard lock(mu_);
    for (auto& [id, slot] : partitions_) {
      // use_count 1: only the set holds it, so no commit is pending in it and no read runs.
      if (slot.open && slot.open.use_count() == 1 && slot.last_used < cutoff) {
        GroupCommitter::Stats s = slot.open->store->commit_stats();
        closed_stats_.groups += s.groups;
        closed_stats_.batches += s.batches;
        closing.push_back(std::move(slot.open));
      }
    }
  }
  if (!closing.empty()) {
    log::Info("vault.partitions_closed")
        .Ident("region", log::Id(region_))
        .Num("files", static_cast<int64_t>(closing.size()))
        .Emit();
  }
}

StatusOr<SweepCounts> PartitionedRegionStore::Sweep(int64_t now_ms, bool dry_run,
                                                    const CapLimits* limits,
                                                    const SweepProgress& progress) {
  SweepCounts total;
  total.space_freed = true;
  std::vector<PartitionId> live;
  // Whole files first: a partition past its last expiry holds nothing a sweep would keep.
  for (const PartitionId& id : Ids()) {
    if (!PartitionExpired(id, now_ms)) {
      live.push_back(id);
      continue;
    }
    const auto started = Clock::now();
    auto count = [&]() -> StatusOr<int64_t> {  // what a drop would remove
      MR_ASSIGN_OR_RETURN(PartitionPtr p, Acquire(id, /*touch=*/false, /*create=*/false));
      if (!p) return Status::NotFound("vault partition gone");
      return p->store->RecordCount();
    };
    StatusOr<int64_t> records = dry_run ? count() : Drop(id);
    if (records.status().code() == StatusCode::kNotFound) continue;  // another process took it
    if (records.status().code() == StatusCode::kUnavailable) {
      // Another process has the file open (`mailrelay sweep` beside `serve`): its records go
      // row by row instead, and the file at a later sweep.
      log::Warn("vault.partition_busy").Ident("region", log::Id(region_)).Emit();
      live.push_back(id);
      continue;
    }
    if (!records.ok()) return records.status();
    if (!dry_run) {
      log::Info("vault.partition_dropped")
          .Ident("region", log::Id(region_))
          .Num("records", *records)
          .Num(
              "elapsed_ms",
              std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count())
          .Emit();
    }
    total.records_deleted += *records;
    total.partitions_dropped += 1;
    if (progress) progress(total);
  }
  // Then row by row: records a shorter policy capped, fields past their own lifetimes, the
  // region file's records and those of a partition that could not go whole.
  auto sweep_one = [&](RecordStore& store) -> Status {
    const SweepCounts before = total;
    SweepProgress each;
    if (progress) {
      each = [&](const SweepCounts& so_far) {
        SweepCounts sum = before;
        Add(sum, so_far);
        progress(sum);
      };
    }
    MR_ASSIGN_OR_RETURN(SweepCounts counts, store.Sweep(now_ms, dry_run, limits, each));
    Add(total, counts);
    return Status::Ok();
  };
  MR_RETURN_IF_ERROR(sweep_one(*base_));
  for (const PartitionId& id : live) {
    MR_ASSIGN_OR_RETURN(PartitionPtr p, Acquire(id, /*touch=*/false, /*create=*/false));
    if (p) MR_RETURN_IF_ERROR(sweep_one(*p->store));
  }
  CloseIdle();  // those only this sweep opened among them
  return total;
}

}  // namespace mailrelay::vault
