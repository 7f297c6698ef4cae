// vault/reclaim.h — giving deleted records' space back: after secure_delete has zeroed the freed
// cells, return free pages to the file system and truncate the WAL that still holds old frames.
// Internal to vault/ (the sweep and the erasure use it).
#pragma once

#include "common/status.h"
#include "vault/sqlite.h"

namespace mailrelay::vault {

// Runs a TRUNCATE checkpoint on `db` and returns its SQLite result (SQLITE_OK: the WAL is empty).
// A checkpoint running on another connection (the store's background pass, or another
// process's) holds the checkpoint lock and makes TRUNCATE fail at once, without the busy
// handler: that is retried for up to 500 ms. Readers on an old snapshot are waited for by the
// busy handler; when they outlast it, SQLITE_BUSY.
int TruncateWal(Db& db);

// Runs PRAGMA incremental_vacuum, then a TRUNCATE checkpoint, retrying while another
// connection's read transaction keeps old WAL frames alive (up to about two seconds).
// Returns true once the WAL is empty, false if readers kept it busy the whole time (the
// frames are then overwritten by later writes and truncated by the next reclaim).
StatusOr<bool> ReclaimFreedSpace(Db& db);

}  // namespace mailrelay::vault
