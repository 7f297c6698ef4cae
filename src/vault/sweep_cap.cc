// vault/sweep_cap.cc — see sweep_cap.h and docs/retention.md "A shorter policy".
#include "vault/sweep_cap.h"

#include <algorithm>
#include <sstream>
#include <vector>

namespace mailrelay::vault {
namespace {

constexpr char kAppliedName[] = "retention_applied";
constexpr int kFields = static_cast<int>(kFieldCount);

// ?1 seq, ?2 expires_at_ms, ?3 fields_expire_at_ms, ?4 next_expiry_ms, ?5.. field expiries.
std::string UpdateSql() {
  std::string sql =
      "UPDATE records SET expires_at_ms = ?2, fields_expire_at_ms = ?3, next_expiry_ms = ?4";
  for (int i = 0; i < kFields; ++i) {
    sql += ", " + std::string(kSealedFields[static_cast<size_t>(i)]) + "_expires_at_ms = ?" +
           std::to_string(5 + i);
  }
  return sql + " WHERE seq = ?1";
}

Status StoreApplied(Db& db, const CapLimits& limits) {
  MR_ASSIGN_OR_RETURN(Stmt s,
                      db.Prepare("INSERT OR REPLACE INTO meta (name, value) VALUES (?1, ?2)"));
  s.BindText(1, kAppliedName);
  s.BindText(2, CapLimitsText(limits));
  return s.Run();
}

StatusOr<std::optional<CapLimits>> LoadApplied(Db& db) {
  MR_ASSIGN_OR_RETURN(Stmt s, db.Prepare("SELECT value FROM meta WHERE name = ?1"));
  s.BindText(1, kAppliedName);
  MR_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<CapLimits>();
  return ParseCapLimits(s.Text(0));
}

}  // namespace

CapLimits CapLimitsFrom(const Lifetimes& lifetimes) {
  CapLimits c;
  c.record_ms = int64_t{lifetimes.record_days} * kMsPerDay;
  for (size_t i = 0; i < kFieldCount; ++i) {
    c.field_ms[i] = c.record_ms;
    auto it = lifetimes.field_days.find(kSealedFields[i]);
    if (it != lifetimes.field_days.end()) {
      c.field_ms[i] = std::min(c.record_ms, int64_t{it->second} * kMsPerDay);
    }
  }
  return c;
}

std::string CapLimitsText(const CapLimits& limits) {
  std::string out = std::to_string(limits.record_ms);
  for (int64_t f : limits.field_ms) out += " " + std::to_string(f);
  return out;
}

std::optional<CapLimits> ParseCapLimits(const std::string& text) {
  std::istringstream in(text);
  CapLimits c;
  if (!(in >> c.record_ms)) return std::nullopt;
  for (int64_t& f : c.field_ms) {
    if (!(in >> f)) return std::nullopt;
  }
  return c;
}

bool Shorter(const CapLimits& now, const CapLimits& applied) {
  if (now.record_ms < applied.record_ms) return true;
  for (size_t i = 0; i < kFieldCount; ++i) {
    if (now.field_ms[i] < applied.field_ms[i]) return true;
  }
  return false;
}

bool CapRow(ExpiryRow& row, const CapLimits& limits) {
  bool changed = false;
  const int64_t record_cap = row.received + limits.record_ms;
  if (row.expires > record_cap) {
    row.expires = record_cap;
    changed = true;
  }
  for (size_t i = 0; i < kFieldCount; ++i) {
    if (!row.field[i] && !row.present[i]) continue;  // cleared: nothing left to expire
    std::optional<int64_t> f = row.field[i];
    const int64_t cap = row.received + limits.field_ms[i];
    if (!f || *f > cap) f = cap;
    if (*f >= row.expires) f.reset();  // goes with its record
    if (f != row.field[i]) {
      row.field[i] = f;
      changed = true;
    }
  }
  return changed;
}

std::string ExpiryColumns() {
  std::string sql = "seq, received_at_ms, expires_at_ms";
  for (std::string_view f : kSealedFields) sql += ", " + std::string(f) + "_expires_at_ms";
  for (std::string_view f : kSealedFields) sql += ", " + std::string(f) + " IS NOT NULL";
  return sql;
}

ExpiryRow ReadExpiryRow(const Stmt& s) {
  ExpiryRow r;
  r.seq = s.Int(0);
  r.received = s.Int(1);
  r.expires = s.Int(2);
  for (int i = 0; i < kFields; ++i) {
    if (!s.IsNull(3 + i)) r.field[static_cast<size_t>(i)] = s.Int(3 + i);
    r.present[static_cast<size_t>(i)] = s.Int(3 + kFields + i) != 0;
  }
  return r;
}

StatusOr<bool> CapNeeded(Db& db, const CapLimits& limits) {
  MR_ASSIGN_OR_RETURN(std::optional<CapLimits> applied, LoadApplied(db));
  return !applied || Shorter(limits, *applied);
}

StatusOr<CapWalk> CapWalk::Start(Db& db, const CapLimits& limits) {
  CapWalk walk(db, limits);
  MR_ASSIGN_OR_RETURN(std::optional<CapLimits> applied, LoadApplied(db));
  if (applied && (*applied == limits || !Shorter(limits, *applied))) {
    walk.done_ = true;
    if (*applied == limits) return walk;
    MR_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
    Status s = StoreApplied(db, limits);
    if (!s.ok()) {
      (void)db.Exec("ROLLBACK");
      return s;
    }
    MR_RETURN_IF_ERROR(db.Exec("COMMIT"));
    return walk;
  }
  MR_ASSIGN_OR_RETURN(walk.select_,
                      db.Prepare("SELECT " + ExpiryColumns() +
                                 " FROM records WHERE seq > ?1 ORDER BY seq LIMIT ?2"));
  MR_ASSIGN_OR_RETURN(walk.update_, db.Prepare(UpdateSql()));
  return walk;
}

StatusOr<int> CapWalk::Step(int n) {
  if (done_) return 0;
  select_.Reset();
  select_.BindInt(1, after_);
  select_.BindInt(2, n);
  std::vector<ExpiryRow> rows;
  while (true) {
    MR_ASSIGN_OR_RETURN(bool row, select_.Step());
    if (!row) break;
    rows.push_back(ReadExpiryRow(select_));
  }
  select_.Reset();
  if (rows.empty()) {
    done_ = true;
    MR_RETURN_IF_ERROR(StoreApplied(*db_, limits_));
    return 0;
  }
  for (ExpiryRow& r : rows) {
    after_ = r.seq;
    if (!CapRow(r, limits_)) continue;
    std::optional<int64_t> fields;
    for (const auto& f : r.field) {
      if (f) fields = std::min(fields.value_or(*f), *f);
    }
    Stmt& upd = update_;
    upd.Reset();
    upd.BindInt(1, r.seq);
    upd.BindInt(2, r.expires);
    if (fields) {
      upd.BindInt(3, *fields);
    } else {
      upd.BindNull(3);
    }
    upd.BindInt(4, std::min(r.expires, fields.value_or(r.expires)));
    for (int i = 0; i < kFields; ++i) {
      const auto& f = r.field[static_cast<size_t>(i)];
      if (f) {
        upd.BindInt(5 + i, *f);
      } else {
        upd.BindNull(5 + i);
      }
    }
    MR_RETURN_IF_ERROR(upd.Run());
    ++capped_;
  }
  return static_cast<int>(rows.size());
}

}  // namespace mailrelay::vault
