// vault/reclaim.cc — see reclaim.h.
#include "vault/reclaim.h"

#include <chrono>
#include <thread>

namespace mailrelay::vault {

int TruncateWal(Db& db) {
  using Clock = std::chrono::steady_clock;
  const auto give_up = Clock::now() + std::chrono::milliseconds(500);
  while (true) {
    const auto tried = Clock::now();
    int log = 0, copied = 0;
    const int rc =
        sqlite3_wal_checkpoint_v2(db.handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log, &copied);
    const bool at_once = Clock::now() - tried < std::chrono::milliseconds(5);
    if ((rc & 0xff) != SQLITE_BUSY || !at_once || Clock::now() >= give_up) return rc;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

StatusOr<bool> ReclaimFreedSpace(Db& db) {
  MR_RETURN_IF_ERROR(db.Exec("PRAGMA incremental_vacuum"));
  constexpr int kAttempts = 40;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    const int rc = TruncateWal(db);
    if (rc == SQLITE_OK) return true;
    if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) {
      return db.Error(rc, "truncating the WAL");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace mailrelay::vault
