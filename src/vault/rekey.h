// vault/rekey.h — giving a region file a new SQLCipher page key: an encrypted copy under the
// new key (sqlcipher_export), published by the key-check file, renamed over the original.
// Needs the file to itself: SQLCipher 3.4.1 cannot re-key a WAL database, and a process that
// keeps the file open would keep writing to the replaced copy. Internal to vault/.
// docs/keys.md "Rotation" has the crash analysis.
#pragma once

#include <functional>
#include <string>

#include "common/status.h"
#include "keyring/key_set.h"
#include "vault/sqlite.h"

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

// What a re-key does to the copy once it holds every row, before the copy is checked and
// published: runs on the re-key's connection with the copy attached as schema "rekeyed", and
// must change the copy only. Master-key rotation re-wraps the wrapped keys here, so the copy
// that becomes the file already holds them under the new wrapping key.
using RekeyCopyEdit = std::function<Status(Db& db)>;

// The mechanism under RekeyFile, for any two page keys of one scope (master-key rotation goes
// from the old master's page key to the new master's): the same steps, lock and commit point,
// with `edit` (may be empty) applied to the copy after the row counts were compared and before
// the integrity check.
Status RekeyFileWith(const std::string& path, const keyring::KeySet& old_keys,
                     const keyring::KeySet& new_keys, const RekeyCopyEdit& edit);

// Test seam: the points at which a crash leaves a re-key.
enum class RekeyStep {
  kCopyWritten,  // the copy is exported, edited, checked and fsynced; the key check is not
                 // written yet (a crash here: the next open discards the copy)
  kCommitted,    // the key check names the copy, which is not renamed yet (a crash here: the
                 // next open completes the rename)
};
// Installs `fault` (an empty function removes it), called at each RekeyStep: a non-ok Status
// makes the re-key return it at once, leaving the files as a crash at that step would. Tests only.
void SetRekeyFaultForTesting(std::function<Status(RekeyStep, const std::string& path)> fault);

// Completes or discards a re-key a crash interrupted: when "<path>.rekey" exists and the
// key-check file already names its salt, renames it over `path` (the re-key had committed);
// otherwise deletes it. Returns true when it completed one. Call before deriving the page key
// (vault::Vault::Open and `keys rotate` do).
StatusOr<bool> FinishInterruptedRekey(const std::string& path);

// FinishInterruptedRekey (logging vault.rekey_completed for `region` when it completed one), then
// returns the page-key version the key-check file of `path` names: the one that opens the file
// (docs/keys.md). kDataLoss when the key check names none.
StatusOr<uint32_t> SettledPageKeyVersion(const std::string& path, const std::string& region);

// Returns the path of the re-keyed copy ("<path>.rekey").
std::string RekeyCopyPath(const std::string& path);

}  // namespace mailrelay::vault
