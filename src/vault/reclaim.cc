// vault/reclaim.cc — see reclaim.h.
#include "vault/reclaim.h"

#include <chrono>
#include <thread>

namespace mailrelay::vault {

StatusOr<bool> ReclaimFreedSpace(Db& db) {
  MR_RETURN_IF_ERROR(db.Exec("PRAGMA incremental_vacuum"));
  constexpr int kAttempts = 40;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    int log = 0, copied = 0;
    int rc =
        sqlite3_wal_checkpoint_v2(db.handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log, &copied);
    if (rc == SQLITE_OK) return true;
    if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) {
      return db.Error(rc, "truncating the WAL");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace mailrelay::vault
