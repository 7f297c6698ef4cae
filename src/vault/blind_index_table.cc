// vault/blind_index_table.cc — lookups over the blind-index table and its tail, and the merge.
#include "vault/blind_index_table.h"

#include <algorithm>
#include <limits>
#include <vector>

namespace mailrelay::vault {
namespace {

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
  MR_ASSIGN_OR_RETURN(Stmt tail, db.Prepare("SELECT seq FROM index_tail "
                                            "WHERE sender_index = ?1 OR recipient_index = ?1"));
  tail.BindBlob(1, prefix);
  MR_RETURN_IF_ERROR(collect(tail));
  MR_ASSIGN_OR_RETURN(
      Stmt next_day, db.Prepare("SELECT day FROM blind_index WHERE day > ?1 ORDER BY day LIMIT 1"));
  MR_ASSIGN_OR_RETURN(Stmt probe,
                      db.Prepare("SELECT seq FROM blind_index WHERE day = ?2 AND term = ?1"));
  int64_t day = std::numeric_limits<int64_t>::min();
  while (true) {
    next_day.Reset();
    next_day.BindInt(1, day);
    MR_ASSIGN_OR_RETURN(bool found, next_day.Step());
    if (!found) break;
    day = next_day.Int(0);
    probe.Reset();
    probe.BindBlob(1, prefix);
    probe.BindInt(2, day);
    MR_RETURN_IF_ERROR(collect(probe));
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
  MR_ASSIGN_OR_RETURN(Stmt read, db.Prepare("SELECT " + columns + " FROM records WHERE seq = ?1"));
  for (int64_t seq : seqs) {
    read.Reset();
    read.BindInt(1, seq);
    MR_ASSIGN_OR_RETURN(bool found, read.Step());
    if (found) MR_RETURN_IF_ERROR(row(read));
  }
  return Status::Ok();
}

}  // namespace

Status ForEachIndexMatch(Db& db, std::string_view prefix, const std::string& columns,
                         const std::function<Status(Stmt&)>& row) {
  // One read transaction: a merge committed between the tail read and the table probes would
  // otherwise hide the entries it moved.
  MR_RETURN_IF_ERROR(db.Exec("BEGIN"));
  Status s = ForEachMatchLocked(db, prefix, columns, row);
  (void)db.Exec(s.ok() ? "COMMIT" : "ROLLBACK");
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

}  // namespace mailrelay::vault
