// vault/rotation_state.h — where an unfinished `keys rotate` of a region file keeps its place:
// rows "rotation.*" of the file's meta table, written in the same transactions as the work.
// Internal to vault/. Uses the caller's connection (and transaction, when one is open).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"
#include "vault/sqlite.h"

namespace mailrelay::vault {

enum class RotationPhase {
  kReencrypt,  // records under older field keys remain; continue after `cursor`
  kRekey,      // every record re-encrypted and the old versions destroyed; the file keeps its
               // old page key until it is re-keyed (needs exclusive access)
};

struct RotationState {
  RotationPhase phase = RotationPhase::kReencrypt;
  uint32_t field_from = 0, field_to = 0;  // the field-key version replaced, and its successor
  uint32_t blind_from = 0, blind_to = 0;  // the same for the blind-index key
  int64_t cursor = 0;                     // records with seq <= cursor are done
  uint64_t records = 0, batches = 0;      // done so far, over every run of this rotation
  int64_t started_at_ms = 0;
};

// Returns the rotation recorded in `db`, or nullopt when none is unfinished. kDataLoss if the
// rows are incomplete or malformed (naming the file).
StatusOr<std::optional<RotationState>> ReadRotationState(Db& db);
// Records `state` (replacing what was there). Call inside the write transaction doing the work.
Status WriteRotationState(Db& db, const RotationState& state);
// Removes the record of a rotation (it finished).
Status ClearRotationState(Db& db);

// Returns "reencrypt" / "rekey".
const char* PhaseName(RotationPhase phase);

}  // namespace mailrelay::vault
