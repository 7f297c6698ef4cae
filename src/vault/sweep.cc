// vault/sweep.cc — see sweep.h and docs/retention.md.
#include "vault/sweep.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <vector>

#include "vault/blind_index_table.h"
#include "vault/reclaim.h"
#include "vault/record.h"
#include "vault/sweep_cap.h"
#include "vault/sweep_pace.h"

namespace mailrelay::vault {
namespace {

constexpr int kFields = static_cast<int>(kSealedFields.size());

// Rows per statement; a batch runs statements until it has its pacer's target.
constexpr int kChunk = 32;
// The fewest rows a batch takes, however slow the fsync: the pass still moves.
constexpr int kMinBatchRows = 16;
// Pages moved per vacuum step, fewest and most (256 held the lock up to ~60 ms).
constexpr int kMinVacuumPages = 8, kMaxVacuumPages = 256;

// seq, expires_at_ms, then one expiry column per sealed field (what ReadRow reads).
std::string RowColumns() {
  std::string sql = "seq, expires_at_ms";
  for (std::string_view f : kSealedFields) sql += ", " + std::string(f) + "_expires_at_ms";
  return sql;
}

// Every row due (the dry run).
std::string DueSql() {
  return "SELECT " + RowColumns() + " FROM records WHERE next_expiry_ms <= ?1";
}

// ?1 now, ?2 limit: the rows due first. Each row the sweep visits is deleted or has its due
// fields cleared (its next_expiry_ms moves past now), so it leaves this range: every chunk starts
// at the front again and reads only rows it will change.
std::string SelectSql() {
  return "SELECT " + RowColumns() +
         " FROM records WHERE next_expiry_ms <= ?1 ORDER BY next_expiry_ms LIMIT ?2";
}

// ?1 seq, ?2 fields_expire_at_ms, ?3 next_expiry_ms, ?4.. one clear flag per field.
std::string UpdateSql() {
  std::string sql = "UPDATE records SET fields_expire_at_ms = ?2, next_expiry_ms = ?3";
  for (int i = 0; i < kFields; ++i) {
    std::string f(kSealedFields[static_cast<size_t>(i)]);
    std::string flag = "?" + std::to_string(4 + i);
    sql += ", " + f + " = CASE WHEN " + flag + " THEN NULL ELSE " + f + " END";
    sql += ", " + f + "_expires_at_ms = CASE WHEN " + flag + " THEN NULL ELSE " + f +
           "_expires_at_ms END";
    if (f == "sender" || f == "recipient") {
      sql += ", " + f + "_index = CASE WHEN " + flag + " THEN NULL ELSE " + f + "_index END";
    }
  }
  return sql + " WHERE seq = ?1";
}

struct Row {
  int64_t seq = 0, expires = 0;
  std::optional<int64_t> field[kSealedFields.size()];
};

Row ReadRow(const Stmt& s) {
  Row r;
  r.seq = s.Int(0);
  r.expires = s.Int(1);
  for (int i = 0; i < kFields; ++i) {
    if (!s.IsNull(2 + i)) r.field[i] = s.Int(2 + i);
  }
  return r;
}

// What the sweep does to one row: delete it, or clear `clear` fields and move its expiries on.
struct Plan {
  bool remove = false;
  bool clear[kSealedFields.size()] = {};
  std::optional<int64_t> fields_expire;
  int64_t next_expiry = 0;
};

Plan PlanRow(const Row& r, int64_t now_ms) {
  Plan p;
  if (r.expires <= now_ms) {
    p.remove = true;
    return p;
  }
  for (int i = 0; i < kFields; ++i) {
    if (!r.field[i]) continue;
    if (*r.field[i] <= now_ms) {
      p.clear[i] = true;
    } else {
      p.fields_expire = std::min(p.fields_expire.value_or(*r.field[i]), *r.field[i]);
    }
  }
  p.next_expiry = std::min(r.expires, p.fields_expire.value_or(r.expires));
  return p;
}

Row FromExpiryRow(const ExpiryRow& e) {
  Row r;
  r.seq = e.seq;
  r.expires = e.expires;
  for (int i = 0; i < kFields; ++i) r.field[i] = e.field[static_cast<size_t>(i)];
  return r;
}

void Count(const Plan& p, SweepCounts& c) {
  if (p.remove) {
    ++c.records_deleted;
    return;
  }
  for (int i = 0; i < kFields; ++i) {
    if (p.clear[i]) ++c.fields_cleared[std::string(kSealedFields[static_cast<size_t>(i)])];
  }
}

// How a pass's transactions are timed, reported and separated.
struct Pacing {
  BatchPacer pacer;
  BatchPacer vacuum;  // its own: it learns how many pages to move per step, not rows
  std::function<void()> after_batch;      // progress
  std::function<void()> yield;            // lets writers in: a pause (serve's writes arrivals)
  std::function<bool()> writers_waiting;  // ends a batch after its current step
};

// Runs `step` (which adds rows to a batch and returns how many it handled; 0 = nothing left)
// in BEGIN IMMEDIATE transactions until it runs dry: each transaction ends after `max_rows`
// rows, when no more fit the pacer's budget (its COMMIT included) or after a step at which a
// writer waits, then yields (vault/sweep_pace.h). Returns true when any row was handled.
template <typename Step>
StatusOr<bool> Paced(Db& db, int max_rows, Pacing& pacing, const char* what, Step step) {
  bool any = false;
  while (true) {
    MR_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
    pacing.pacer.Begin();
    int rows = 0;
    bool dry = false;
    while (true) {
      const int fit = pacing.pacer.RowsThatFit(rows, std::min(kChunk, max_rows - rows));
      if (fit == 0) break;
      StatusOr<int> n = step(fit);
      if (!n.ok()) {
        (void)db.Exec("ROLLBACK");
        return n.status().WithContext(std::string(what) + " of " + db.path());
      }
      rows += *n;
      if (*n == 0) {
        dry = true;
        break;
      }
      if (pacing.writers_waiting && pacing.writers_waiting()) break;
    }
    MR_RETURN_IF_ERROR(db.Exec("COMMIT"));
    pacing.pacer.End(rows);
    if (pacing.after_batch) pacing.after_batch();
    if (!dry) pacing.yield();
    if (rows > 0) any = true;
    if (dry) return any;
  }
}

// Deletes the records past their lifetime and clears the fields past theirs, in next_expiry_ms
// order. One pass: a separate field pass scanned every row due for deletion (inside its write
// transaction) to find the few it keeps, holding the lock >100 ms on a backlog.
StatusOr<bool> SweepDueRows(Db& db, int64_t now_ms, int max_rows, Pacing& pacing,
                            SweepCounts& counts) {
  MR_ASSIGN_OR_RETURN(Stmt sel, db.Prepare(SelectSql()));
  MR_ASSIGN_OR_RETURN(Stmt upd, db.Prepare(UpdateSql()));
  MR_ASSIGN_OR_RETURN(Stmt del, db.Prepare("DELETE FROM records WHERE seq = ?1"));
  int64_t last_first_seq = -1;
  return Paced(db, max_rows, pacing, "sweeping", [&](int n) -> StatusOr<int> {
    sel.Reset();
    sel.BindInt(1, now_ms);
    sel.BindInt(2, n);
    std::vector<Row> rows;
    while (true) {
      MR_ASSIGN_OR_RETURN(bool row, sel.Step());
      if (!row) break;
      rows.push_back(ReadRow(sel));
    }
    sel.Reset();
    if (!rows.empty() && rows.front().seq == last_first_seq) {
      return Status::Internal("row " + std::to_string(last_first_seq) +
                              " stayed due after the sweep changed it");
    }
    if (!rows.empty()) last_first_seq = rows.front().seq;
    for (const Row& r : rows) {
      Plan p = PlanRow(r, now_ms);
      Stmt& st = p.remove ? del : upd;
      st.Reset();
      st.BindInt(1, r.seq);
      if (!p.remove) {
        if (p.fields_expire) {
          upd.BindInt(2, *p.fields_expire);
        } else {
          upd.BindNull(2);
        }
        upd.BindInt(3, p.next_expiry);
        for (int i = 0; i < kFields; ++i) upd.BindInt(4 + i, p.clear[i] ? 1 : 0);
      }
      MR_RETURN_IF_ERROR(st.Run());
      if (db.changes() == 1) Count(p, counts);
    }
    return static_cast<int>(rows.size());
  });
}

// PRAGMA incremental_vacuum(n) until the freelist is empty, paced like the batches: moving a
// page rewrites it, its parent and its pointer-map entry, so n is the vacuum pacer's target.
Status VacuumPaced(Db& db, Pacing& pacing) {
  while (true) {
    MR_ASSIGN_OR_RETURN(int64_t free_pages, db.QueryInt("PRAGMA freelist_count"));
    if (free_pages == 0) return Status::Ok();
    MR_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
    pacing.vacuum.Begin();
    const int pages = pacing.vacuum.RowsThatFit(0, kMaxVacuumPages);
    Status s = db.Exec(("PRAGMA incremental_vacuum(" + std::to_string(pages) + ")").c_str());
    if (!s.ok()) {
      (void)db.Exec("ROLLBACK");
      return s;
    }
    MR_RETURN_IF_ERROR(db.Exec("COMMIT"));
    pacing.vacuum.End(pages);
    if (free_pages <= pages) return Status::Ok();
    pacing.yield();
  }
}

// Counts what a sweep would do; changes nothing.
StatusOr<SweepCounts> DryRun(Db& db, int64_t now_ms, const CapLimits* limits, bool capping) {
  SweepCounts counts;
  for (std::string_view f : kSealedFields) counts.fields_cleared[std::string(f)] = 0;
  if (capping) {
    // What the sweep would do after capping: every row, capped in memory.
    MR_ASSIGN_OR_RETURN(Stmt sel, db.Prepare("SELECT " + ExpiryColumns() + " FROM records"));
    while (true) {
      MR_ASSIGN_OR_RETURN(bool row, sel.Step());
      if (!row) break;
      ExpiryRow e = ReadExpiryRow(sel);
      if (CapRow(e, *limits)) ++counts.expiries_capped;
      Count(PlanRow(FromExpiryRow(e), now_ms), counts);
    }
    return counts;
  }
  MR_ASSIGN_OR_RETURN(Stmt sel, db.Prepare(DueSql()));
  sel.BindInt(1, now_ms);
  while (true) {
    MR_ASSIGN_OR_RETURN(bool row, sel.Step());
    if (!row) break;
    Count(PlanRow(ReadRow(sel), now_ms), counts);
  }
  return counts;
}

// The capping pass, then the due rows, then the vacuum.
Status SweepPasses(Db& db, int64_t now_ms, const SweepOptions& options, bool capping,
                   Pacing& pacing, SweepCounts& counts) {
  if (capping) {
    // A policy shorter than the one the rows were written under applies from this sweep on.
    MR_ASSIGN_OR_RETURN(CapWalk walk, CapWalk::Start(db, *options.limits));
    const std::function<void()> progress = pacing.after_batch;
    pacing.after_batch = [&] {
      counts.expiries_capped = walk.capped();
      if (progress) progress();
    };
    StatusOr<bool> walked =
        Paced(db, options.batch, pacing, "capping expiries", [&](int n) { return walk.Step(n); });
    pacing.after_batch = progress;
    MR_RETURN_IF_ERROR(walked.status());
    counts.expiries_capped = walk.capped();
  }
  // The records' blind-index entries go after them, in key order (vault/blind_index_table.h).
  MR_ASSIGN_OR_RETURN(bool index_pass, IndexSweepNeeded(db, now_ms));
  int64_t cutoff = 0;
  if (index_pass) {
    MR_ASSIGN_OR_RETURN(cutoff, SetIndexSweepCutoff(db, IndexSweepCutoff(now_ms)));
  }
  MR_ASSIGN_OR_RETURN(bool changed, SweepDueRows(db, now_ms, options.batch, pacing, counts));
  if (index_pass) {
    MR_ASSIGN_OR_RETURN(SweptEntries entries, SweptEntries::Start(db, cutoff));
    MR_ASSIGN_OR_RETURN(bool deleted,
                        Paced(db, options.batch, pacing, "sweeping blind-index entries",
                              [&](int n) { return entries.Step(n); }));
    changed = changed || deleted;
  }
  // secure_delete already overwrote the freed cells; give the free pages back to the file
  // system, a few dozen pages per transaction (each one moves pages and holds the lock).
  if (changed) MR_RETURN_IF_ERROR(VacuumPaced(db, pacing));
  return Status::Ok();
}

}  // namespace

StatusOr<SweepCounts> SweepRegion(Db& db, int64_t now_ms, bool dry_run,
                                  const SweepOptions& options) {
  bool capping = false;
  if (options.limits != nullptr) {
    MR_ASSIGN_OR_RETURN(capping, CapNeeded(db, *options.limits));
  }
  if (dry_run) return DryRun(db, now_ms, options.limits, capping);
  SweepCounts counts;
  for (std::string_view f : kSealedFields) counts.fields_cleared[std::string(f)] = 0;
  Pacing pacing{BatchPacer(kMinBatchRows, options.batch),
                BatchPacer(kMinVacuumPages, kMaxVacuumPages, kVacuumBatchBudget),
                {},
                {},
                options.writers_waiting};
  if (options.progress) pacing.after_batch = [&] { options.progress(counts); };
  if (options.between_batches) {
    pacing.yield = options.between_batches;
  } else {
    pacing.yield = [&] { pacing.pacer.Pause(); };
  }
  MR_RETURN_IF_ERROR(SweepPasses(db, now_ms, options, capping, pacing, counts));
  counts.batches = pacing.pacer.batches() + pacing.vacuum.batches();
  counts.max_batch_hold_us = std::max(pacing.pacer.max_hold_us(), pacing.vacuum.max_hold_us());
  // Truncate the WAL that held the pre-sweep frames — also when this sweep changed nothing: a
  // truncate an earlier sweep could not finish (a reader held an old snapshot) leaves frames
  // with deleted data in the WAL, and this retries it (the forensic canary test). A PASSIVE
  // pass first copies the frames while writers go on; TRUNCATE blocks writers while it copies
  // what is left.
  (void)sqlite3_wal_checkpoint_v2(db.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                  nullptr);
  counts.space_freed = TruncateWal(db) == SQLITE_OK;
  return counts;
}

}  // namespace mailrelay::vault
