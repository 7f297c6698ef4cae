// vault/sqlcipher_region_store.cc — records in and out of one region file.
#include "vault/sqlcipher_region_store.h"

#include <algorithm>

#include "common/log.h"
#include "keyring/master_key.h"
#include "vault/blind_index_table.h"
#include "vault/reclaim.h"
#include "vault/rekey.h"
#include "vault/store_file.h"
#include "vault/sweep.h"
#include "vault/sweep_pace.h"
#include "vault/vault.h"

namespace mailrelay::vault {
namespace {

constexpr char kColumns[] =
    "id, message_ref, received_at_ms, expires_at_ms, smtp_code, http_status, processing_ms, "
    "size, account, route, region, key_version, "
    "sender_ip, message_id, sender, recipient, subject, server_response, "
    "sender_index, recipient_index, "
    "sender_ip_expires_at_ms, message_id_expires_at_ms, sender_expires_at_ms, "
    "recipient_expires_at_ms, subject_expires_at_ms, server_response_expires_at_ms, "
    "fields_expire_at_ms";
constexpr int kColumnCount = 27;
constexpr int kSealedColumn = 12;
constexpr int kIndexColumn = 18;
constexpr int kFieldExpiryColumn = 20;
constexpr int kFieldsExpireColumn = 26;

// How long the writer waits for the callers its last group woke before it starts a smaller
// group (docs/vault.md "Writes: group commit" has the measurements).
constexpr std::chrono::microseconds kGatherWindow{200};
// WAL frames (pages) a background checkpoint waits for (SQLite's auto-checkpoint default is
// 1,000): a page rewritten by many groups is copied to the database once per checkpoint, so
// fewer checkpoints write fewer pages. 8,192 frames = 32 MiB of WAL.
constexpr int kCheckpointFrames = 8192;
// Under a steady load the background checkpoint never catches the writer exactly between two
// commits, so the WAL never restarts by itself and keeps growing. Past this size the writer runs
// a RESTART checkpoint itself after a commit (once little is left to copy, see below), and the
// next transaction starts the WAL from its beginning.
constexpr int kWalLimitFrames = 2 * kCheckpointFrames;  // 64 MiB
// While a sweep runs on the writer (it rewrites pages much faster than inserts do), both are a
// quarter: a RESTART after 64 MiB took the writer ~230 ms (copying what the background
// checkpoint had not yet, plus the fsync), and every commit queued behind it waited as long;
// after 16 MiB the longest took ~55 ms (sweep_bench, 400k records).
constexpr int kMaintenanceDivisor = 4;
// Past kWalLimitFrames the writer waits for a moment when the background checkpoint has left at
// most this many frames to copy, so its RESTART is short; past the hard limit it runs it anyway.
constexpr int kRestartLeftFrames = 1024;                                    // 4 MiB
constexpr int kWalHardLimitFrames = kWalLimitFrames + kWalLimitFrames / 4;  // 80 MiB

constexpr int kNextExpiryParam = kColumnCount + 1;  // insert only: next_expiry_ms

std::string InsertSql() {
  std::string sql = std::string("INSERT INTO records (") + kColumns + ", next_expiry_ms) VALUES (";
  for (int i = 1; i <= kNextExpiryParam; ++i) sql += (i > 1 ? ", ?" : "?") + std::to_string(i);
  return sql + ")";
}

void BindOptionalBlob(Stmt& s, int index, const std::optional<std::string>& v) {
  if (v) {
    s.BindBlob(index, *v);
  } else {
    s.BindNull(index);
  }
}

void BindOptionalInt(Stmt& s, int index, const std::optional<int64_t>& v) {
  if (v) {
    s.BindInt(index, *v);
  } else {
    s.BindNull(index);
  }
}

std::optional<std::string> OptionalBlob(const Stmt& s, int column) {
  if (s.IsNull(column)) return std::nullopt;
  return s.Blob(column);
}

std::optional<int64_t> OptionalInt(const Stmt& s, int column) {
  if (s.IsNull(column)) return std::nullopt;
  return s.Int(column);
}

// One row of kColumns.
StoredRecord ReadRow(const Stmt& stmt) {
  StoredRecord r;
  r.id = stmt.Text(0);
  r.message_ref = stmt.Text(1);
  r.received_at_ms = stmt.Int(2);
  r.expires_at_ms = stmt.Int(3);
  r.smtp_code = static_cast<int>(stmt.Int(4));
  r.http_status = static_cast<int>(stmt.Int(5));
  r.processing_ms = stmt.Int(6);
  r.size = stmt.Int(7);
  r.account = stmt.Text(8);
  r.route = stmt.Text(9);
  r.region = stmt.Text(10);
  r.key_version = static_cast<uint32_t>(stmt.Int(11));
  for (size_t i = 0; i < kSealedFields.size(); ++i) {
    r.sealed[i] = OptionalBlob(stmt, kSealedColumn + static_cast<int>(i));
    r.field_expires_at_ms[i] = OptionalInt(stmt, kFieldExpiryColumn + static_cast<int>(i));
  }
  r.sender_index = OptionalBlob(stmt, kIndexColumn);
  r.recipient_index = OptionalBlob(stmt, kIndexColumn + 1);
  r.fields_expire_at_ms = OptionalInt(stmt, kFieldsExpireColumn);
  return r;
}

}  // namespace

SqlcipherRegionStore::SqlcipherRegionStore(std::string path,
                                           std::unique_ptr<keyring::KeySet> page_keys,
                                           WriteGuard& guard, std::unique_ptr<Db> writer,
                                           std::unique_ptr<Db> reader)
    : path_(std::move(path)),
      page_keys_(std::move(page_keys)),
      guard_(guard),
      writer_(std::move(writer)),
      writer_key_store_(*writer_),
      reader_(std::move(reader)),
      reader_key_store_(*reader_) {}

SqlcipherRegionStore::~SqlcipherRegionStore() {
  committer_.reset();  // drain the writer before closing
  // Every lookup reads a file's tail whole. A partition's writes end with its day, and serve
  // closes it soon after, so it is merged here once; the ~30 closed partitions' tails would
  // otherwise be most of a lookup's time (docs/vault.md). A process that only read leaves the
  // file as it was.
  if (committed_ && unmerged_records_ > 0) (void)MergeIndexTailNow();
  if (checkpoint_thread_.joinable()) {
    {
      std::lock_guard lock(checkpoint_mu_);
      checkpoint_stop_ = true;
    }
    checkpoint_cv_.notify_one();
    checkpoint_thread_.join();
  }
}

int SqlcipherRegionStore::OnWalCommit(void* self, sqlite3* db, const char* /*name*/, int frames) {
  auto* store = static_cast<SqlcipherRegionStore*>(self);
  const int divisor = store->maintenance_.load(std::memory_order_relaxed) ? kMaintenanceDivisor : 1;
  int done = store->checkpointed_frames_.load(std::memory_order_relaxed);
  if (frames < done) done = 0;  // the WAL restarted since
  // The RESTART copies what the background checkpoint has not: run it when that is little (the
  // commit queued behind it waits for the copy and an fsync), or when the WAL is so long that
  // the writer must wait for the checkpoints anyway (back-pressure).
  if (frames >= kWalLimitFrames / divisor &&
      (frames - done <= kRestartLeftFrames / divisor || frames >= kWalHardLimitFrames / divisor)) {
    int rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
    if (rc == SQLITE_OK) store->checkpointed_frames_.store(0, std::memory_order_relaxed);
    return SQLITE_OK;
  }
  if (frames - done >= kCheckpointFrames / divisor ||
      (frames >= kWalLimitFrames / divisor && frames - done > kRestartLeftFrames / divisor)) {
    {
      std::lock_guard lock(store->checkpoint_mu_);
      store->checkpoint_wanted_ = true;
    }
    store->checkpoint_cv_.notify_one();
  }
  return SQLITE_OK;
}

void SqlcipherRegionStore::CheckpointLoop() {
  std::unique_lock lock(checkpoint_mu_);
  while (true) {
    checkpoint_cv_.wait(lock, [this] { return checkpoint_stop_ || checkpoint_wanted_; });
    if (checkpoint_stop_) return;
    checkpoint_wanted_ = false;
    lock.unlock();
    int log_frames = 0, copied = 0;
    int rc = sqlite3_wal_checkpoint_v2(checkpointer_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                       &log_frames, &copied);
    if (rc == SQLITE_OK) {
      checkpointed_frames_.store(copied, std::memory_order_relaxed);
    } else if ((rc & 0xff) != SQLITE_BUSY) {
      log::Warn("vault.checkpoint_failed")
          .Ident("region", log::Id(page_keys_->scope()))
          .Num("sqlite_rc", rc)
          .Emit();
    }
    lock.lock();
  }
}

StatusOr<std::unique_ptr<SqlcipherRegionStore>> SqlcipherRegionStore::Open(
    const std::string& path, std::unique_ptr<keyring::KeySet> keys, WriteGuard& guard,
    bool create_if_missing) {
  MR_ASSIGN_OR_RETURN(std::unique_ptr<Db> writer,
                      OpenStoreFile(path, *keys, FileKind::kRegion, create_if_missing));
  MR_RETURN_IF_ERROR(writer->Exec("PRAGMA cache_size = -65536"));  // 64 MiB for index inserts
  // Savepoint sub-journals hold decrypted page images: keep them in memory, never in a temp file.
  MR_RETURN_IF_ERROR(writer->Exec("PRAGMA temp_store = MEMORY"));
  MR_ASSIGN_OR_RETURN(std::unique_ptr<Db> reader, OpenConnection(path, *keys));
  MR_RETURN_IF_ERROR(reader->Exec("PRAGMA cache_size = -32768"));
  std::unique_ptr<SqlcipherRegionStore> store(
      new SqlcipherRegionStore(path, std::move(keys), guard, std::move(writer), std::move(reader)));
  MR_ASSIGN_OR_RETURN(store->insert_, store->writer_->Prepare(InsertSql()));
  MR_ASSIGN_OR_RETURN(store->insert_tail_, store->writer_->Prepare(kAppendToIndexTailSql));
  Db& w = *store->writer_;
  MR_ASSIGN_OR_RETURN(store->txn_.begin, w.Prepare("BEGIN IMMEDIATE"));
  MR_ASSIGN_OR_RETURN(store->txn_.commit, w.Prepare("COMMIT"));
  MR_ASSIGN_OR_RETURN(store->txn_.rollback, w.Prepare("ROLLBACK"));
  MR_ASSIGN_OR_RETURN(store->txn_.savepoint, w.Prepare("SAVEPOINT batch"));
  MR_ASSIGN_OR_RETURN(store->txn_.release, w.Prepare("RELEASE batch"));
  MR_ASSIGN_OR_RETURN(store->txn_.rollback_to, w.Prepare("ROLLBACK TO batch"));
  SqlcipherRegionStore* self = store.get();
  MR_ASSIGN_OR_RETURN(store->checkpointer_, OpenConnection(path, *store->page_keys_));
  store->checkpoint_thread_ = std::thread([self] { self->CheckpointLoop(); });
  // Replaces SQLite's auto-checkpoint on the writer connection.
  sqlite3_wal_hook(store->writer_->handle(), &SqlcipherRegionStore::OnWalCommit, self);
  // Entries a previous run left in the blind-index tail count towards the first merge.
  MR_ASSIGN_OR_RETURN(store->unmerged_records_, CountIndexTail(*store->writer_));
  store->committer_ = std::make_unique<GroupCommitter>(
      [self](std::vector<CommitBatch*>& group) { self->WriteGroup(group); }, kGatherWindow,
      [self] { self->MergeIndexTailIfDue(); });
  return store;
}

Status SqlcipherRegionStore::Insert(const StoredRecord& r) {
  Stmt& s = insert_;
  s.Reset();
  s.BindText(1, r.id);
  s.BindText(2, r.message_ref);
  s.BindInt(3, r.received_at_ms);
  s.BindInt(4, r.expires_at_ms);
  s.BindInt(5, r.smtp_code);
  s.BindInt(6, r.http_status);
  s.BindInt(7, r.processing_ms);
  s.BindInt(8, r.size);
  s.BindText(9, r.account);
  s.BindText(10, r.route);
  s.BindText(11, r.region);
  s.BindInt(12, r.key_version);
  for (size_t i = 0; i < kSealedFields.size(); ++i) {
    BindOptionalBlob(s, kSealedColumn + 1 + static_cast<int>(i), r.sealed[i]);
    BindOptionalInt(s, kFieldExpiryColumn + 1 + static_cast<int>(i), r.field_expires_at_ms[i]);
  }
  BindOptionalBlob(s, kIndexColumn + 1, r.sender_index);
  BindOptionalBlob(s, kIndexColumn + 2, r.recipient_index);
  BindOptionalInt(s, kFieldsExpireColumn + 1, r.fields_expire_at_ms);
  s.BindInt(kNextExpiryParam,
            std::min(r.expires_at_ms, r.fields_expire_at_ms.value_or(r.expires_at_ms)));
  Status st = s.Run();
  if (st.ok() && (r.sender_index || r.recipient_index)) {
    Stmt& tail = insert_tail_;
    tail.Reset();
    tail.BindInt(1, writer_->last_insert_rowid());
    tail.BindInt(2, r.expires_at_ms);
    BindOptionalBlob(tail, 3, r.sender_index);
    BindOptionalBlob(tail, 4, r.recipient_index);
    st = tail.Run();
  }
  if (!st.ok()) return st.WithContext("record " + r.id);
  return st;
}

Status SqlcipherRegionStore::WriteBatch(CommitBatch& batch) {
  MR_RETURN_IF_ERROR(guard_.PrepareBatch(batch));
  for (const StoredRecord& r : *batch.records) MR_RETURN_IF_ERROR(Insert(r));
  return Status::Ok();
}

void SqlcipherRegionStore::WriteGroup(std::vector<CommitBatch*>& group) {
  auto fail_all = [&](const Status& s) {
    for (CommitBatch* b : group) b->status = s;
    log::Error("vault.group_commit_failed")
        .Ident("region", log::Id(page_keys_->scope()))
        .Ident("status", log::Id(StatusCodeName(s.code())))
        .Emit();
  };
  // First pass without savepoints (the common case: every batch is good). If a batch fails,
  // roll back and write the group again with one savepoint per batch, so it fails alone.
  for (bool isolate : {false, true}) {
    if (isolate && group.size() == 1) return;  // its status is already set
    Status s = txn_.begin.Run();
    if (!s.ok()) return fail_all(s);
    if (Status guarded = guard_.BeginGroup(writer_key_store_); !guarded.ok()) {
      (void)txn_.rollback.Run();
      return fail_all(guarded);
    }
    size_t written = 0;
    bool retry = false;
    for (CommitBatch* b : group) {
      if (!isolate) {
        b->status = WriteBatch(*b);
        if (!b->status.ok() && group.size() > 1) retry = true;
      } else {
        b->status = txn_.savepoint.Run();
        if (b->status.ok()) {
          b->status = WriteBatch(*b);
          if (!b->status.ok()) (void)txn_.rollback_to.Run();
          (void)txn_.release.Run();
        }
      }
      if (!writer_->in_transaction()) {
        // SQLite rolled the whole transaction back (disk full, I/O error): nothing is written.
        return fail_all(b->status.ok() ? Status::Internal("vault file " + path_ +
                                                          ": transaction ended unexpectedly")
                                       : b->status);
      }
      if (retry) break;
      if (b->status.ok()) ++written;
    }
    if (retry || written == 0) {
      (void)txn_.rollback.Run();
      if (retry) continue;
      return;
    }
    s = txn_.commit.Run();
    if (!s.ok()) {
      (void)txn_.rollback.Run();
      return fail_all(s.WithContext("commit"));
    }
    committed_ = true;
    for (CommitBatch* b : group) {
      if (b->status.ok()) unmerged_records_ += static_cast<int64_t>(b->records->size());
    }
    return;
  }
}

void SqlcipherRegionStore::MergeIndexTailIfDue() {
  if (unmerged_records_ < kIndexMergeRows) return;
  // Nothing is lost: the entries stay in the tail, where lookups read them. Try again after
  // half as many records more, not after every group (a full disk would fail each one).
  if (!MergeIndexTailNow()) unmerged_records_ = kIndexMergeRows / 2;
}

bool SqlcipherRegionStore::MergeIndexTailNow() {
  StatusOr<int64_t> moved = MergeIndexTail(*writer_);
  if (moved.ok()) {
    unmerged_records_ = 0;
    return true;
  }
  log::Warn("vault.index_merge_failed")
      .Ident("region", log::Id(page_keys_->scope()))
      .Ident("status", log::Id(StatusCodeName(moved.status().code())))
      .Emit();
  return false;
}

StatusOr<std::vector<StoredRecord>> SqlcipherRegionStore::ReadRows(Stmt& stmt) {
  std::vector<StoredRecord> out;
  while (true) {
    MR_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back(ReadRow(stmt));
  }
  return out;
}

namespace {

// The WHERE, ORDER BY and LIMIT of a history query (after SELECT ... FROM records), and its
// bindings: 16 shapes at most, each kept prepared (Db::Cached) for List and for Newest.
std::string HistoryClause(const MessageQuery& query, bool has_after) {
  std::string sql = " WHERE 1";
  if (query.route) sql += " AND route = ?1";
  if (query.status != MessageStatus::kAny) sql += " AND smtp_code BETWEEN ?2 AND ?3";
  if (query.since_ms) sql += " AND received_at_ms >= ?4";
  if (has_after) sql += " AND (received_at_ms < ?5 OR (received_at_ms = ?5 AND id < ?6))";
  return sql + " ORDER BY received_at_ms DESC, id DESC LIMIT ?7";
}

void BindHistory(Stmt& s, const MessageQuery& query, const std::optional<CursorPosition>& after,
                 size_t limit) {
  if (query.route) s.BindText(1, *query.route);
  switch (query.status) {
    case MessageStatus::kDelivered:
      s.BindInt(2, 200), s.BindInt(3, 299);
      break;
    case MessageStatus::kDelayed:
      s.BindInt(2, 400), s.BindInt(3, 499);
      break;
    case MessageStatus::kRejected:
      s.BindInt(2, 500), s.BindInt(3, 599);
      break;
    case MessageStatus::kAny:
      break;
  }
  if (query.since_ms) s.BindInt(4, *query.since_ms);
  if (after) {
    s.BindInt(5, after->received_at_ms);
    s.BindText(6, after->id);
  }
  s.BindInt(7, static_cast<int64_t>(limit));
}

}  // namespace

StatusOr<std::vector<StoredRecord>> SqlcipherRegionStore::List(
    const MessageQuery& query, const std::optional<CursorPosition>& after, size_t limit) {
  std::lock_guard lock(read_mu_);
  MR_ASSIGN_OR_RETURN(Stmt * s,
                      reader_->Cached(std::string("SELECT ") + kColumns + " FROM records" +
                                      HistoryClause(query, after.has_value())));
  BindHistory(*s, query, after, limit);
  StatusOr<std::vector<StoredRecord>> rows = ReadRows(*s);
  s->Reset();  // an error mid-way would leave it holding the read snapshot
  return rows;
}

StatusOr<std::optional<CursorPosition>> SqlcipherRegionStore::Newest(
    const MessageQuery& query, const std::optional<CursorPosition>& after) {
  std::lock_guard lock(read_mu_);
  MR_ASSIGN_OR_RETURN(Stmt * s, reader_->Cached("SELECT received_at_ms, id FROM records" +
                                                HistoryClause(query, after.has_value())));
  BindHistory(*s, query, after, 1);
  StatusOr<bool> row = s->Step();
  std::optional<CursorPosition> newest;
  if (row.ok() && *row) newest = CursorPosition{s->Int(0), s->Text(1)};
  s->Reset();
  if (!row.ok()) return row.status();
  return newest;
}

Status SqlcipherRegionStore::Verify() {
  std::lock_guard lock(read_mu_);
  MR_ASSIGN_OR_RETURN(Stmt s, reader_->Prepare("PRAGMA quick_check"));
  auto row = s.Step();
  if (!row.ok()) return row.status();
  std::string first = *row ? s.Text(0) : "no result";
  if (first != "ok") {
    return Status::DataLoss("vault file " + path_ + " failed its integrity check (" + first +
                            "); restore it from a backup");
  }
  return Status::Ok();
}

StatusOr<int64_t> SqlcipherRegionStore::RecordCount() {
  std::lock_guard lock(read_mu_);
  return reader_->QueryInt("SELECT count(*) FROM records");
}

Status SqlcipherRegionStore::WithKeyTable(
    const std::function<Status(keyring::WrappedKeyStore&)>& use) {
  std::lock_guard lock(read_mu_);
  return use(reader_key_store_);
}

StatusOr<std::vector<StoredRecord>> SqlcipherRegionStore::FindByIndexPrefix(
    std::string_view prefix) {
  std::lock_guard lock(read_mu_);
  std::vector<StoredRecord> out;
  MR_RETURN_IF_ERROR(ForEachIndexMatch(*reader_, prefix, kColumns, [&](Stmt& s) {
    out.push_back(ReadRow(s));
    return Status::Ok();
  }));
  return out;
}

StatusOr<std::vector<EraseCandidate>> SqlcipherRegionStore::EraseCandidates(
    std::string_view prefix) {
  std::lock_guard lock(read_mu_);
  std::vector<EraseCandidate> out;
  MR_RETURN_IF_ERROR(
      ForEachIndexMatch(*reader_, prefix, "seq, id, sender, recipient", [&](Stmt& s) {
        out.push_back({s.Int(0), s.Text(1), OptionalBlob(s, 2), OptionalBlob(s, 3)});
        return Status::Ok();
      }));
  return out;
}

StatusOr<std::unique_ptr<Db>> SqlcipherRegionStore::OpenMaintenanceConnection() {
  MR_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, OpenConnection(path_, *page_keys_));
  // Deleted and rewritten pages pass through the page cache decrypted: never a temp file.
  MR_RETURN_IF_ERROR(db->Exec("PRAGMA temp_store = MEMORY"));
  // A batch dirties several random pages per row (the table and six indexes): keep them all in
  // the cache (64 MiB), or SQLite spills them to the WAL mid-transaction and reads them back.
  MR_RETURN_IF_ERROR(db->Exec("PRAGMA cache_size = -65536"));
  return db;
}

StatusOr<uint64_t> SqlcipherRegionStore::DeleteRows(const std::vector<int64_t>& rows,
                                                    size_t batch) {
  if (rows.empty()) return uint64_t{0};
  batch = std::max<size_t>(batch, 1);
  MR_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, OpenMaintenanceConnection());
  MR_ASSIGN_OR_RETURN(Stmt del, db->Prepare("DELETE FROM records WHERE seq = ?1"));
  uint64_t deleted = 0;
  for (size_t start = 0; start < rows.size(); start += batch) {
    const size_t end = std::min(rows.size(), start + batch);
    // Bounded transactions: the relay's group commit waits for one batch at most.
    MR_RETURN_IF_ERROR(db->Exec("BEGIN IMMEDIATE"));
    for (size_t i = start; i < end; ++i) {
      del.Reset();
      del.BindInt(1, rows[i]);
      if (Status s = del.Run(); !s.ok()) {
        (void)db->Exec("ROLLBACK");
        return s.WithContext("erasure in " + path_);
      }
      deleted += static_cast<uint64_t>(db->changes());
    }
    MR_RETURN_IF_ERROR(db->Exec("COMMIT"));
  }
  return deleted;
}

StatusOr<bool> SqlcipherRegionStore::ReclaimSpace() {
  MR_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, OpenMaintenanceConnection());
  return ReclaimFreedSpace(*db);
}

StatusOr<SweepCounts> SqlcipherRegionStore::Sweep(int64_t now_ms, bool dry_run,
                                                  const CapLimits* limits,
                                                  const SweepProgress& progress) {
  // On the writer thread and connection, between groups: commits that queue up during a sweep
  // batch are written right after it (no lock polling), and the sweep reads through the
  // writer's page cache, which a separate connection loses at every commit the writer makes.
  SweepOptions options;
  options.limits = limits;
  options.progress = progress;
  if (dry_run) {  // only reads: never hold up the writer
    MR_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, OpenMaintenanceConnection());
    return SweepRegion(*db, now_ms, dry_run, options);
  }
  // A batch ends as soon as a commit of this process waits; the commits are written at once,
  // and during the pause (which lets another process's writer take the lock too: serve, while
  // this is `mailrelay sweep`) as they arrive.
  options.writers_waiting = [this] { return committer_->HasWaiting(); };
  options.between_batches = [this] { committer_->WriteArrivalsFor(kSweepPause); };
  StatusOr<SweepCounts> counts = Status::Internal("sweep did not run");
  Status ran = committer_->RunOnWriter([&] {
    maintenance_ = true;
    counts = SweepRegion(*writer_, now_ms, dry_run, options);
    maintenance_ = false;
    return counts.status();
  });
  if (!ran.ok()) return ran;
  return counts;
}

RecordStoreFactory SqlcipherRegionStore::Factory(std::string data_dir, bool create_if_missing) {
  return [data_dir = std::move(data_dir), create_if_missing](
             const std::string& region, const keyring::MasterKey& master,
             WriteGuard& guard) -> StatusOr<std::unique_ptr<RecordStore>> {
    std::string path = data_dir + "/" + RegionFileName(region);
    MR_ASSIGN_OR_RETURN(const uint32_t page, SettledPageKeyVersion(path, region));
    MR_ASSIGN_OR_RETURN(std::unique_ptr<keyring::KeySet> page_keys,
                        keyring::KeySet::Derive(master, region, page));
    MR_ASSIGN_OR_RETURN(std::unique_ptr<SqlcipherRegionStore> store,
                        Open(path, std::move(page_keys), guard, create_if_missing));
    return std::unique_ptr<RecordStore>(std::move(store));
  };
}

}  // namespace mailrelay::vault
