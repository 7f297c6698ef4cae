// vault/sweep.cc — see sweep.h and docs/retention.md.
#include "vault/sweep.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "vault/record.h"
#include "vault/sweep_cap.h"

namespace mailrelay::vault {
namespace {

constexpr int kFields = static_cast<int>(kSealedFields.size());

// seq, expires_at_ms, then one expiry column per sealed field.
std::string SelectSql(bool limited) {
  std::string sql = "SELECT seq, expires_at_ms";
  for (std::string_view f : kSealedFields) sql += ", " + std::string(f) + "_expires_at_ms";
  sql += " FROM records WHERE next_expiry_ms <= ?1 ORDER BY next_expiry_ms";
  if (limited) sql += " LIMIT ?2";
  return sql;
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

}  // namespace

StatusOr<SweepCounts> SweepRegion(Db& db, int64_t now_ms, bool dry_run, int batch,
                                  const CapLimits* limits) {
  SweepCounts counts;
  for (std::string_view f : kSealedFields) counts.fields_cleared[std::string(f)] = 0;
  bool capping = false;
  if (limits != nullptr) {
    MR_ASSIGN_OR_RETURN(capping, CapNeeded(db, *limits));
  }
  if (dry_run && capping) {
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
  if (dry_run) {
    MR_ASSIGN_OR_RETURN(Stmt sel, db.Prepare(SelectSql(false)));
    sel.BindInt(1, now_ms);
    while (true) {
      MR_ASSIGN_OR_RETURN(bool row, sel.Step());
      if (!row) break;
      Count(PlanRow(ReadRow(sel), now_ms), counts);
    }
    return counts;
  }
  MR_ASSIGN_OR_RETURN(Stmt sel, db.Prepare(SelectSql(true)));
  MR_ASSIGN_OR_RETURN(Stmt del, db.Prepare("DELETE FROM records WHERE seq = ?1"));
  MR_ASSIGN_OR_RETURN(Stmt upd, db.Prepare(UpdateSql()));
  bool changed = false;
  if (capping) {
    // A policy shorter than the one the rows were written under applies from this sweep on.
    MR_ASSIGN_OR_RETURN(counts.expiries_capped, CapExpiries(db, *limits, batch));
  }
  while (true) {
    // One bounded transaction per batch: a concurrent writer waits for at most one batch.
    MR_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
    auto run_batch = [&]() -> StatusOr<int> {
      sel.Reset();
      sel.BindInt(1, now_ms);
      sel.BindInt(2, batch);
      std::vector<Row> rows;
      while (true) {
        MR_ASSIGN_OR_RETURN(bool row, sel.Step());
        if (!row) break;
        rows.push_back(ReadRow(sel));
      }
      sel.Reset();
      for (const Row& r : rows) {
        Plan p = PlanRow(r, now_ms);
        if (p.remove) {
          del.Reset();
          del.BindInt(1, r.seq);
          MR_RETURN_IF_ERROR(del.Run());
        } else {
          upd.Reset();
          upd.BindInt(1, r.seq);
          if (p.fields_expire) {
            upd.BindInt(2, *p.fields_expire);
          } else {
            upd.BindNull(2);
          }
          upd.BindInt(3, p.next_expiry);
          for (int i = 0; i < kFields; ++i) upd.BindInt(4 + i, p.clear[i] ? 1 : 0);
          MR_RETURN_IF_ERROR(upd.Run());
        }
        Count(p, counts);
      }
      return static_cast<int>(rows.size());
    };
    StatusOr<int> n = run_batch();
    if (!n.ok()) {
      (void)db.Exec("ROLLBACK");
      return n.status().WithContext("retention sweep of " + db.path());
    }
    MR_RETURN_IF_ERROR(db.Exec("COMMIT"));
    if (*n > 0) changed = true;
    if (*n < batch) break;
  }
  // secure_delete already overwrote the freed cells; give the free pages back to the file
  // system.
  if (changed) MR_RETURN_IF_ERROR(db.Exec("PRAGMA incremental_vacuum"));
  // Truncate the WAL that held the pre-sweep frames — also when this sweep changed nothing: a
  // truncate an earlier sweep could not finish (a reader held an old snapshot) leaves frames
  // with deleted data in the WAL, and this retries it (the forensic canary test).
  int log = 0, copied = 0;
  int rc =
      sqlite3_wal_checkpoint_v2(db.handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log, &copied);
  counts.space_freed = rc == SQLITE_OK;
  return counts;
}

}  // namespace mailrelay::vault
