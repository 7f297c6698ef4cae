// vault/blind_index_table.cc — lookups over the blind-index table and its tail, and the merge.
#include "vault/blind_index_table.h"

#include <algorithm>
#include <limits>
#include <vector>

namespace mailrelay::vault {
namespace {

constexpr int64_t kDayMs = 86'400'000;  // the blind index's day: expires_at_ms / kDayMs

// The seqs of the records `prefix` names: the tail is read whole (it is small), the sorted
// table once per expiry day it holds (the next day is one seek too).
StatusOr<std::vector<int64_t>> MatchingSeqs(Db& db, std::string_view prefix) {
  std::vector<int64_t> seqs;
  auto collect = [&](Stmt& s) -> Status {
    while (true) {
      MR_ASSIGN_OR_RETURN(bool more, s.Step());
      if (!more) return Status::Ok();
      seqs.push_back(s.Int(0));
    }
  };
  MR_ASSIGN_OR_RETURN(Stmt * tail, db.Cached("SELECT seq FROM index_tail "
                                             "WHERE sender_index = ?1 OR recipient_index = ?1"));
  tail->BindBlob(1, prefix);
  MR_RETURN_IF_ERROR(collect(*tail));
  MR_ASSIGN_OR_RETURN(Stmt * next_day,
                      db.Cached("SELECT day FROM blind_index WHERE day > ?1 ORDER BY day LIMIT 1"));
  MR_ASSIGN_OR_RETURN(Stmt * probe,
                      db.Cached("SELECT seq FROM blind_index WHERE day = ?2 AND term = ?1"));
  int64_t day = std::numeric_limits<int64_t>::min();
  while (true) {
    next_day->Reset();
    next_day->BindInt(1, day);
    MR_ASSIGN_OR_RETURN(bool found, next_day->Step());
    if (!found) break;
    day = next_day->Int(0);
    probe->Reset();
    probe->BindBlob(1, prefix);
    probe->BindInt(2, day);
    MR_RETURN_IF_ERROR(collect(*probe));
  }
  // A record whose sender and recipient share the prefix has one entry; one moved between the
  // tail and the table by a rotation may briefly have both (the triggers in vault/schema.cc v3).
  std::sort(seqs.begin(), seqs.end());
  seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
  return seqs;
}

Status ForEachMatchLocked(Db& db, std::string_view prefix, const std::string& columns,
                          const std::function<Status(Stmt&)>& row) {
  MR_ASSIGN_OR_RETURN(std::vector<int64_t> seqs, MatchingSeqs(db, prefix));
  MR_ASSIGN_OR_RETURN(Stmt * read, db.Cached("SELECT " + columns + " FROM records WHERE seq = ?1"));
  for (int64_t seq : seqs) {
    read->Reset();
    read->BindInt(1, seq);
    MR_ASSIGN_OR_RETURN(bool found, read->Step());
    if (found) MR_RETURN_IF_ERROR(row(*read));
  }
  return Status::Ok();
}

}  // namespace

Status ForEachIndexMatch(Db& db, std::string_view prefix, const std::string& columns,
                         const std::function<Status(Stmt&)>& row) {
  // One read transaction: a merge committed between the tail read and the table probes would
  // otherwise hide the entries it moved.
  MR_ASSIGN_OR_RETURN(Stmt * begin, db.Cached("BEGIN"));
  MR_RETURN_IF_ERROR(begin->Run());
  Status s = ForEachMatchLocked(db, prefix, columns, row);
  db.ResetCached();  // one left mid-way would keep the read transaction open past its end
  StatusOr<Stmt*> end = db.Cached(s.ok() ? "COMMIT" : "ROLLBACK");
  if (end.ok()) (void)(*end)->Run();
  return s;
}

StatusOr<int64_t> CountIndexTail(Db& db) { return db.QueryInt("SELECT count(*) FROM index_tail"); }

StatusOr<int64_t> MergeIndexTail(Db& db) {
  auto merge = [&]() -> StatusOr<int64_t> {
    MR_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
    MR_RETURN_IF_ERROR(db.Exec(
        "INSERT OR IGNORE INTO blind_index (day, term, seq) "
        "SELECT day, sender_index, seq FROM index_tail WHERE sender_index IS NOT NULL "
        "UNION ALL "
        "SELECT day, recipient_index, seq FROM index_tail WHERE recipient_index IS NOT NULL "
        "ORDER BY 1, 2, 3"));
    MR_RETURN_IF_ERROR(db.Exec("DELETE FROM index_tail"));
    const int64_t moved = db.changes();
    MR_RETURN_IF_ERROR(db.Exec("COMMIT"));
    return moved;
  };
  StatusOr<int64_t> moved = merge();
  if (!moved.ok()) {
    if (db.in_transaction()) (void)db.Exec("ROLLBACK");
    return moved.status().WithContext("blind-index merge in " + db.path());
  }
  return moved;
}

int64_t IndexSweepCutoff(int64_t now_ms) { return now_ms < 0 ? 0 : now_ms + 1; }

StatusOr<bool> IndexSweepNeeded(Db& db, int64_t now_ms) {
  MR_ASSIGN_OR_RETURN(int64_t left, db.QueryInt("SELECT count(*) FROM index_sweep"));
  if (left > 0) return true;
  // Any row due, from the front of records_by_expiry: one probe, where asking for a record due
  // (not only a field) could read every row whose fields are due, on the writer's thread.
  MR_ASSIGN_OR_RETURN(Stmt s,
                      db.Prepare("SELECT 1 FROM records WHERE next_expiry_ms <= ?1 LIMIT 1"));
  s.BindInt(1, now_ms);
  return s.Step();
}

StatusOr<int64_t> SetIndexSweepCutoff(Db& db, int64_t before_ms) {
  MR_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  auto set = [&]() -> Status {
    MR_ASSIGN_OR_RETURN(Stmt old, db.Prepare("SELECT max(before_ms) FROM index_sweep"));
    MR_ASSIGN_OR_RETURN(bool row, old.Step());
    // A cut-off a failed sweep left covers entries it already orphaned: never lower it.
    if (row && !old.IsNull(0)) before_ms = std::max(before_ms, old.Int(0));
    old.Reset();
    MR_RETURN_IF_ERROR(db.Exec("DELETE FROM index_sweep"));
    MR_ASSIGN_OR_RETURN(Stmt put, db.Prepare("INSERT INTO index_sweep (before_ms) VALUES (?1)"));
    put.BindInt(1, before_ms);
    MR_RETURN_IF_ERROR(put.Run());
    return db.Exec("COMMIT");
  };
  Status s = set();
  if (!s.ok()) {
    if (db.in_transaction()) (void)db.Exec("ROLLBACK");
    return s.WithContext("blind-index sweep cut-off in " + db.path());
  }
  return before_ms;
}

StatusOr<SweptEntries> SweptEntries::Start(Db& db, int64_t cutoff_ms) {
  // The last day holding an expiry under the cut-off; live records' entries share it.
  SweptEntries pass(cutoff_ms <= 0 ? -1 : (cutoff_ms - 1) / kDayMs);
  MR_ASSIGN_OR_RETURN(pass.next_, db.Prepare("SELECT day, term, seq, "
                                             "EXISTS (SELECT 1 FROM records WHERE seq = b.seq) "
                                             "FROM blind_index AS b WHERE b.day <= ?1 "
                                             "AND (b.day, b.term, b.seq) > (?3, ?4, ?5) "
                                             "ORDER BY day, term, seq LIMIT ?2"));
  MR_ASSIGN_OR_RETURN(pass.delete_, db.Prepare("DELETE FROM blind_index "
                                               "WHERE day = ?1 AND term = ?2 AND seq = ?3"));
  MR_ASSIGN_OR_RETURN(pass.clear_, db.Prepare("DELETE FROM index_sweep"));
  return pass;
}

StatusOr<int> SweptEntries::Step(int n) {
  if (done_) return 0;
  std::vector<Position> orphans;
  int examined = 0;
  next_.Reset();
  next_.BindInt(1, last_day_);
  next_.BindInt(2, n);
  next_.BindInt(3, after_.day);
  next_.BindBlob(4, after_.term);
  next_.BindInt(5, after_.seq);
  while (true) {
    MR_ASSIGN_OR_RETURN(bool more, next_.Step());
    if (!more) break;
    ++examined;
    after_ = {next_.Int(0), next_.Blob(1), next_.Int(2)};
    if (next_.Int(3) == 0) orphans.push_back(after_);
  }
  next_.Reset();
  for (const Position& k : orphans) {
    delete_.Reset();
    delete_.BindInt(1, k.day);
    delete_.BindBlob(2, k.term);
    delete_.BindInt(3, k.seq);
    MR_RETURN_IF_ERROR(delete_.Run());
  }
  if (examined < n) {
    clear_.Reset();
    MR_RETURN_IF_ERROR(clear_.Run());
    done_ = true;
  }
  return examined;
}

}  // namespace mailrelay::vault
