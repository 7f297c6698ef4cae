// vault/partition_drop.h — removing an expired partition file beyond recovery: taken out of use
// by a rename, overwritten with zeros and cut away from its end, chunk by chunk, each step
// synced, then unlinked with its key-check file. Internal to vault/; docs/retention.md "Expiry
// partitions".
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>

#include "common/status.h"
#include "keyring/key_set.h"

namespace mailrelay::vault {

// Destroys the partition file at `path` (opened with `keys`) and returns how many records it
// held; kNotFound if there is no such file. Needs it to itself, like a
// re-key: kUnavailable, and nothing changed, while any other connection has it open (another
// process's `serve`, or this process's own store, which the caller must close first). Steps:
// exclusive lock; rename to "<path>.dropping" (from here on the drop is finished by
// FinishInterruptedDrops if interrupted); from the end, 1 MiB at a time: overwrite with zeros,
// fdatasync, cut the file there, fdatasync, pause as long as that took; unlink it and the
// key-check file; fsync the directory. secure_delete already zeroed the WAL's deleted rows'
// cells; the WAL itself is checkpointed and removed by SQLite when the last connection closes.
StatusOr<int64_t> DestroyPartitionFile(const std::string& path, const keyring::KeySet& keys);

// Completes the drops a crash interrupted in `dir`: every "*.dropping" file is overwritten and
// unlinked, with its key check. Returns how many it completed.
StatusOr<int> FinishInterruptedDrops(const std::string& dir);

// Test seam: called with the dropped file's path and a byte range [begin, end) once zeros over
// it are synced and before the file is cut there (an empty function removes it). Tests only.
void SetDropObserverForTesting(
    std::function<void(const std::string& path, off_t begin, off_t end)> observer);

}  // namespace mailrelay::vault
