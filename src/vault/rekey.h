// vault/rekey.h — giving a region file a new SQLCipher page key: an encrypted copy under the
// new key (sqlcipher_export), published by the key-check file, renamed over the original.
// Needs the file to itself: SQLCipher 3.4.1 cannot re-key a WAL database, and a process that
// keeps the file open would keep writing to the replaced copy. Internal to vault/.
// docs/keys.md "Rotation" has the crash analysis.
#pragma once

#include <string>

#include "common/status.h"
#include "keyring/key_set.h"

namespace mailrelay::vault {

// Re-keys `path` from `old_keys`' page key to `new_keys`' (same scope, next page version) and
// removes the rotation.* meta rows from the copy. Steps: leave WAL mode (fails at once if any
// other connection, in this process or another, has the file open: kUnavailable naming it) and
// hold an exclusive lock; export into "<path>.rekey" under the new key; check it (record count,
// quick_check); fsync; write the key-check file naming the new page version and the copy's salt
// (the commit point); rename the copy over `path`. The caller must have closed its own
// connections to `path`.
Status RekeyFile(const std::string& path, const keyring::KeySet& old_keys,
                 const keyring::KeySet& new_keys);

// Completes or discards a re-key a crash interrupted: when "<path>.rekey" exists and the
// key-check file already names its salt, renames it over `path` (the re-key had committed);
// otherwise deletes it. Returns true when it completed one. Call before deriving the page key
// (vault::Vault::Open and `keys rotate` do).
StatusOr<bool> FinishInterruptedRekey(const std::string& path);

// Returns the path of the re-keyed copy ("<path>.rekey").
std::string RekeyCopyPath(const std::string& path);

}  // namespace mailrelay::vault
