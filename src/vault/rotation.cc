// vault/rotation.cc — the phases of a region key rotation and where each one resumes.
#include "vault/rotation.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>

#include "keyring/key_set.h"
#include "keyring/master_key.h"
#include "vault/key_table.h"
#include "vault/partition_files.h"
#include "vault/reencrypt.h"
#include "vault/rekey.h"
#include "vault/rotation_state.h"
#include "vault/store_file.h"
#include "vault/sweep_pace.h"

namespace mailrelay::vault {
namespace {

constexpr size_t kMaxBatchSize = 100000;

int64_t WallNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t MsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t)
      .count();
}

Status CheckArguments(const VaultOptions& options, const std::string& region,
                      const RotateOptions& rotate) {
  if (std::find(options.regions.begin(), options.regions.end(), region) == options.regions.end()) {
    std::string known;
    for (const std::string& r : options.regions) known += (known.empty() ? "" : ", ") + r;
    return Status::InvalidArgument("region '" + region + "' is not one of this vault's (" + known +
                                   ")");
  }
  if (rotate.batch_size == 0 || rotate.batch_size > kMaxBatchSize) {
    return Status::InvalidArgument("batch size must be 1.." + std::to_string(kMaxBatchSize));
  }
  if (rotate.rekey_only && rotate.skip_rekey) {
    return Status::InvalidArgument("--rekey-only and --skip-rekey contradict each other");
  }
  return Status::Ok();
}

// Starts a rotation, or returns the one another process started first: adds the next field and
// blind-index versions (one generation move, so every process switches to both at once) and
// records the rotation, in one transaction.
StatusOr<std::pair<RotationState, bool>> StartOrResume(Db& db, keyring::KeySet& keys) {
  RotationState state;
  bool resumed = false;
  SqliteKeyStore store(db);
  Status s = InWriteTransaction(db, [&]() -> Status {
    MR_ASSIGN_OR_RETURN(std::optional<RotationState> existing, ReadRotationState(db));
    if (existing) {
      state = *existing;
      resumed = true;
      return Status::Ok();
    }
    MR_ASSIGN_OR_RETURN(bool reloaded, keys.RefreshIfStale(store));
    (void)reloaded;
    state.field_from = keys.active_field_version();
    state.blind_from = keys.active_blind_index_version();
    MR_ASSIGN_OR_RETURN(
        std::vector<uint32_t> added,
        keys.AddKeyVersions(store, {keyring::kPurposeField, keyring::kPurposeBlindIndex}));
    state.field_to = added[0];
    state.blind_to = added[1];
    state.started_at_ms = WallNowMs();
    return WriteRotationState(db, state);
  });
  if (!s.ok()) {
    (void)keys.RefreshIfStale(store);  // forget versions a rolled-back transaction added
    return s;
  }
  return std::make_pair(state, resumed);
}

// One expiry partition of the region (docs/retention.md): its own connection and page keys, and
// its own place in the rotation, kept in its own meta rows like the region file's.
struct PartitionWork {
  std::string path;
  std::string scope;
  std::unique_ptr<keyring::KeySet> page_keys;
  std::unique_ptr<Db> db;
  RotationState state;
};

// Opens every partition file of `region`. Called once the rotation's new versions are active:
// a partition created after this has only records sealed under them (its writers read the key
// generation inside their own transaction).
StatusOr<std::vector<PartitionWork>> OpenPartitions(const VaultOptions& options,
                                                    const std::string& region,
                                                    const keyring::MasterKey& master) {
  MR_ASSIGN_OR_RETURN(keyring::MasterKey root, PartitionRoot(master, region));
  const std::string dir = options.data_dir + "/" + PartitionDirName(region);
  MR_ASSIGN_OR_RETURN(std::vector<PartitionId> ids, ListPartitions(dir));
  std::vector<PartitionWork> out;
  for (const PartitionId& id : ids) {
    PartitionWork p;
    p.path = dir + "/" + PartitionFileName(id);
    p.scope = PartitionScope(region, id);
    MR_ASSIGN_OR_RETURN(p.page_keys, PartitionKeys(root, region, id, p.path));
    MR_ASSIGN_OR_RETURN(p.db, OpenStoreFile(p.path, *p.page_keys, FileKind::kRegion,
                                            /*create_if_missing=*/false));
    MR_RETURN_IF_ERROR(p.db->Exec("PRAGMA temp_store = MEMORY"));
    out.push_back(std::move(p));
  }
  return out;
}

// Starts (or resumes) the partition's own record of the region's rotation `region_state`.
Status StartPartition(PartitionWork& p, const RotationState& region_state) {
  return InWriteTransaction(*p.db, [&]() -> Status {
    MR_ASSIGN_OR_RETURN(std::optional<RotationState> existing, ReadRotationState(*p.db));
    if (existing && existing->field_to == region_state.field_to &&
        existing->blind_to == region_state.blind_to) {
      p.state = *existing;
      return Status::Ok();
    }
    p.state = region_state;
    p.state.phase = RotationPhase::kReencrypt;
    p.state.cursor = 0;
    p.state.records = p.state.batches = 0;
    return WriteRotationState(*p.db, p.state);
  });
}

// Runs `body` while holding the write lock of every partition: a writer in a partition reads
// the key generation under that lock, so it has either committed before `body` looks, or
// seals again under the versions `body` leaves active.
template <typename F>
Status WithPartitionsLocked(std::vector<PartitionWork>& partitions, F body) {
  size_t locked = 0;
  Status s;
  for (; locked < partitions.size(); ++locked) {
    s = partitions[locked].db->Exec("BEGIN IMMEDIATE");
    if (!s.ok()) break;
  }
  if (s.ok()) s = body();
  for (size_t i = 0; i < locked; ++i) (void)partitions[i].db->Exec("ROLLBACK");  // read only
  return s;
}

// Once no record is left under an older version, in the region file or any partition:
// destroys every older field and blind-index version and moves the rotation to its re-key
// step, in one transaction. Returns false (and changes nothing) if a record under an older
// version turned up after all.
StatusOr<bool> DestroyOldVersions(Db& db, keyring::KeySet& keys, RotationState& state,
                                  std::vector<PartitionWork>& partitions) {
  SqliteKeyStore store(db);
  bool clean = false;
  Status s = WithPartitionsLocked(partitions, [&] {
    return InWriteTransaction(db, [&]() -> Status {
      MR_RETURN_IF_ERROR(SyncWithStored(db, state));
      MR_ASSIGN_OR_RETURN(uint64_t left, CountOlderRecords(db, state.field_to, 0));
      for (PartitionWork& p : partitions) {
        MR_ASSIGN_OR_RETURN(uint64_t in_partition, CountOlderRecords(*p.db, state.field_to, 0));
        left += in_partition;
      }
      if (left > 0) return Status::Ok();
      clean = true;
      for (const auto& [purpose, to] :
           {std::pair<const char*, uint32_t>{keyring::kPurposeField, state.field_to},
            std::pair<const char*, uint32_t>{keyring::kPurposeBlindIndex, state.blind_to}}) {
        for (uint32_t v : keys.KeyVersions(purpose)) {
          if (v < to) MR_RETURN_IF_ERROR(keys.DestroyKeyVersion(store, purpose, v));
        }
      }
      RotationState next = state;
      next.phase = RotationPhase::kRekey;
      MR_RETURN_IF_ERROR(WriteRotationState(db, next));
      return Status::Ok();
    });
  });
  if (!s.ok()) {
    (void)keys.RefreshIfStale(store);  // the destroyed versions are back after the rollback
    return s;
  }
  if (clean) {
    state.phase = RotationPhase::kRekey;
    // No copy of the deleted rows stays in the WAL (best effort: readers may pin frames).
    (void)db.Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  return clean;
}

}  // namespace

const char* RekeyOutcomeName(RekeyOutcome outcome) {
  switch (outcome) {
    case RekeyOutcome::kDone:
      return "done";
    case RekeyOutcome::kSkipped:
      return "skipped";
    case RekeyOutcome::kBusy:
      return "busy";
    case RekeyOutcome::kNotReached:
      break;
  }
  return "not_reached";
}

StatusOr<RotateResult> RotateRegion(const VaultOptions& options, const std::string& region,
                                    const RotateOptions& rotate) {
  const auto started = std::chrono::steady_clock::now();
  MR_RETURN_IF_ERROR(CheckArguments(options, region, rotate));
  const std::string path = options.data_dir + "/" + RegionFileName(region);
  MR_ASSIGN_OR_RETURN(const uint32_t page, SettledPageKeyVersion(path, region));
  MR_ASSIGN_OR_RETURN(keyring::MasterKey master, keyring::MasterKey::Load(options.master_key_path));
  MR_ASSIGN_OR_RETURN(std::unique_ptr<keyring::KeySet> keys,
                      keyring::KeySet::Derive(master, region, page));
  MR_ASSIGN_OR_RETURN(std::unique_ptr<Db> db,
                      OpenStoreFile(path, *keys, FileKind::kRegion, /*create_if_missing=*/false));
  {
    SqliteKeyStore store(*db);
    Status s = keys->Load(store, {keyring::kPurposeField, keyring::kPurposeBlindIndex}, false);
    if (!s.ok()) return s.WithContext("vault file " + path);
  }
  // Re-encryption passes decrypted page images through savepoint journals: never a temp file.
  MR_RETURN_IF_ERROR(db->Exec("PRAGMA temp_store = MEMORY"));
  // The blind-index updates land on random leaves: keep them cached across batches. Checkpoint
  // as seldom as serve's writer does (docs/vault.md "Checkpoints"), not every 1,000 frames.
  MR_RETURN_IF_ERROR(db->Exec("PRAGMA cache_size = -65536"));
  MR_RETURN_IF_ERROR(db->Exec("PRAGMA wal_autocheckpoint = 8192"));

  RotateResult result;
  result.region = region;
  result.page_from = result.page_to = page;
  MR_ASSIGN_OR_RETURN(std::optional<RotationState> state, ReadRotationState(*db));
  if (rotate.rekey_only) {
    if (state) {
      return Status::FailedPrecondition("vault file " + path + " has an unfinished key rotation (" +
                                        PhaseName(state->phase) +
                                        " step); run `mailrelay keys rotate --region " + region +
                                        "` without --rekey-only to "
                                        "finish it");
    }
    result.field_from = result.field_to = keys->active_field_version();
    result.blind_from = result.blind_to = keys->active_blind_index_version();
  } else {
    MR_ASSIGN_OR_RETURN(auto begun, StartOrResume(*db, *keys));
    state = begun.first;
    result.resumed = begun.second;
    result.field_from = state->field_from;
    result.field_to = state->field_to;
    result.blind_from = state->blind_from;
    result.blind_to = state->blind_to;
  }

  // After StartOrResume: the rotation's versions are active (docs/keys.md "Rotation" for why a
  // partition created later needs no re-encryption).
  MR_ASSIGN_OR_RETURN(std::vector<PartitionWork> partitions,
                      OpenPartitions(options, region, master));
  SqliteKeyStore region_key_table(*db);

  if (state && state->phase == RotationPhase::kReencrypt) {
    uint64_t total = 0;
    MR_ASSIGN_OR_RETURN(total, CountOlderRecords(*db, state->field_to, state->cursor));
    for (PartitionWork& p : partitions) {
      MR_RETURN_IF_ERROR(StartPartition(p, *state));
      MR_ASSIGN_OR_RETURN(uint64_t n, CountOlderRecords(*p.db, p.state.field_to, p.state.cursor));
      total += n;
    }
    RotateProgress progress{0, total, 0};
    if (rotate.progress) rotate.progress(progress);
    // Re-encrypts one file's records after its cursor, batch by batch. Returns false when
    // max_batches stopped it.
    auto run_batches = [&](Db& file, RotationState& file_state) -> StatusOr<bool> {
      while (true) {
        if (rotate.max_batches != 0 && result.batches >= rotate.max_batches) return false;
        MR_ASSIGN_OR_RETURN(BatchOutcome out, ReencryptBatch(file, region_key_table, *keys,
                                                             file_state, rotate.batch_size));
        result.max_batch_ms = std::max(result.max_batch_ms, out.locked_ms);
        if (out.records == 0) return true;
        result.records += out.records;
        ++result.batches;
        progress.done = result.records;
        progress.total = std::max(progress.total, progress.done);
        progress.batches = result.batches;
        if (rotate.progress) rotate.progress(progress);
        // Let waiting writers in: they poll the lock every millisecond (vault/store_file.cc),
        // so a short pause is enough. Without one the rotation re-took the lock right after
        // each commit and a waiting writer starved.
        std::this_thread::sleep_for(kSweepPause);
      }
    };
    // A record under an older version can appear behind the cursor only if a writer that does
    // not seal again under the active version (an older mailrelay) committed it; then the scan
    // starts over. Twice is plenty; more means something keeps writing old versions.
    for (int pass = 0; state->phase == RotationPhase::kReencrypt; ++pass) {
      if (pass == 3) {
        return Status::FailedPrecondition("vault file " + path +
                                          ": records under the old field key keep appearing; is an "
                                          "older mailrelay writing to this vault?");
      }
      bool finished = true;
      MR_ASSIGN_OR_RETURN(finished, run_batches(*db, *state));
      for (PartitionWork& p : partitions) {
        if (!finished) break;
        MR_ASSIGN_OR_RETURN(finished, run_batches(*p.db, p.state));
      }
      if (!finished) {
        result.records_total = state->records;
        for (const PartitionWork& p : partitions) result.records_total += p.state.records;
        result.elapsed_ms = MsSince(started);
        return result;
      }
      MR_ASSIGN_OR_RETURN(bool clean, DestroyOldVersions(*db, *keys, *state, partitions));
      if (!clean) {
        state->cursor = 0;
        for (PartitionWork& p : partitions) p.state.cursor = 0;
      }
    }
    result.old_versions_destroyed = true;
  } else if (state) {
    result.old_versions_destroyed = true;  // an earlier run did it
  }
  if (state) {
    result.records_total = state->records;
    for (const PartitionWork& p : partitions) result.records_total += p.state.records;
  }

  if (rotate.skip_rekey) {
    for (PartitionWork& p : partitions) {
      MR_RETURN_IF_ERROR(InWriteTransaction(*p.db, [&] { return ClearRotationState(*p.db); }));
    }
    MR_RETURN_IF_ERROR(InWriteTransaction(*db, [&] { return ClearRotationState(*db); }));
    result.rekey = RekeyOutcome::kSkipped;
    result.finished = true;
  } else {
    // The partitions first: the region file's re-key ends the rotation (its copy drops the
    // rotation record), so a partition another process holds leaves it at this step. A run
    // after that re-keys the partitions done already once more: harmless.
    auto rekey = [&](const std::string& file, const keyring::KeySet& from,
                     const keyring::KeySet& to) -> StatusOr<bool> {
      Status s = RekeyFile(file, from, to);
      if (s.code() == StatusCode::kUnavailable) {
        result.rekey = RekeyOutcome::kBusy;
        result.rekey_message = s.message();
        return false;
      }
      MR_RETURN_IF_ERROR(s);
      return true;
    };
    MR_ASSIGN_OR_RETURN(keyring::MasterKey root, PartitionRoot(master, region));
    bool all = true;
    for (PartitionWork& p : partitions) {
      p.db.reset();
      MR_ASSIGN_OR_RETURN(std::unique_ptr<keyring::KeySet> next,
                          keyring::KeySet::Derive(root, p.scope, p.page_keys->page_version() + 1));
      MR_ASSIGN_OR_RETURN(all, rekey(p.path, *p.page_keys, *next));
      if (!all) break;
    }
    if (all) {
      db.reset();  // the re-key needs every connection to the file closed, this one too
      MR_ASSIGN_OR_RETURN(std::unique_ptr<keyring::KeySet> next,
                          keyring::KeySet::Derive(master, region, page + 1));
      MR_ASSIGN_OR_RETURN(all, rekey(path, *keys, *next));
    }
    if (all) {
      result.rekey = RekeyOutcome::kDone;
      result.page_to = page + 1;
      result.finished = true;
    }
  }
  result.elapsed_ms = MsSince(started);
  return result;
}

}  // namespace mailrelay::vault
