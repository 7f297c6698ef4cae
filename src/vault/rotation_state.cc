// vault/rotation_state.cc — the rotation's meta rows in SQL.
#include "vault/rotation_state.h"

#include <array>
#include <map>

namespace mailrelay::vault {
namespace {

constexpr std::array<const char*, 9> kNames = {
    "rotation.phase",      "rotation.field_from", "rotation.field_to",
    "rotation.blind_from", "rotation.blind_to",   "rotation.cursor",
    "rotation.records",    "rotation.batches",    "rotation.started_at_ms"};

}  // namespace

const char* PhaseName(RotationPhase phase) {
  return phase == RotationPhase::kReencrypt ? "reencrypt" : "rekey";
}

StatusOr<std::optional<RotationState>> ReadRotationState(Db& db) {
  MR_ASSIGN_OR_RETURN(Stmt s,
                      db.Prepare("SELECT name, value FROM meta WHERE name LIKE 'rotation.%'"));
  std::map<std::string, int64_t> values;
  std::string phase;
  while (true) {
    MR_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    std::string name = s.Text(0);
    if (name == "rotation.phase") {
      phase = s.Text(1);
    } else {
      values[name] = s.Int(1);
    }
  }
  if (phase.empty() && values.empty()) return std::optional<RotationState>();
  auto bad = [&](const std::string& why) {
    return Status::DataLoss("vault file " + db.path() + " holds a damaged key-rotation record (" +
                            why + "); restore the file from a backup");
  };
  if (phase != "reencrypt" && phase != "rekey") return bad("phase '" + phase + "'");
  for (size_t i = 1; i < kNames.size(); ++i) {
    if (values.count(kNames[i]) == 0) return bad(std::string(kNames[i]) + " missing");
  }
  RotationState st;
  st.phase = phase == "rekey" ? RotationPhase::kRekey : RotationPhase::kReencrypt;
  st.field_from = static_cast<uint32_t>(values["rotation.field_from"]);
  st.field_to = static_cast<uint32_t>(values["rotation.field_to"]);
  st.blind_from = static_cast<uint32_t>(values["rotation.blind_from"]);
  st.blind_to = static_cast<uint32_t>(values["rotation.blind_to"]);
  st.cursor = values["rotation.cursor"];
  st.records = static_cast<uint64_t>(values["rotation.records"]);
  st.batches = static_cast<uint64_t>(values["rotation.batches"]);
  st.started_at_ms = values["rotation.started_at_ms"];
  if (st.field_to <= st.field_from || st.blind_to <= st.blind_from) {
    return bad("versions do not increase");
  }
  return std::optional<RotationState>(st);
}

Status WriteRotationState(Db& db, const RotationState& st) {
  MR_ASSIGN_OR_RETURN(Stmt s,
                      db.Prepare("INSERT OR REPLACE INTO meta (name, value) VALUES (?1, ?2)"));
  s.BindText(1, kNames[0]);
  s.BindText(2, PhaseName(st.phase));
  MR_RETURN_IF_ERROR(s.Run());
  const std::array<int64_t, 8> ints = {st.field_from,
                                       st.field_to,
                                       st.blind_from,
                                       st.blind_to,
                                       st.cursor,
                                       static_cast<int64_t>(st.records),
                                       static_cast<int64_t>(st.batches),
                                       st.started_at_ms};
  for (size_t i = 0; i < ints.size(); ++i) {
    s.Reset();
    s.BindText(1, kNames[i + 1]);
    s.BindInt(2, ints[i]);
    MR_RETURN_IF_ERROR(s.Run());
  }
  return Status::Ok();
}

Status ClearRotationState(Db& db) {
  MR_ASSIGN_OR_RETURN(Stmt s, db.Prepare("DELETE FROM meta WHERE name LIKE 'rotation.%'"));
  return s.Run();
}

}  // namespace mailrelay::vault
