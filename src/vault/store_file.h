// vault/store_file.h — opening one SQLCipher vault file safely: never creating one by accident,
// the raw page key and page size on every open, WAL + synchronous=FULL + secure_delete, and a
// key-check file beside it so a wrong master key is told apart from a corrupt file.
// Internal to vault/.
//
//   MR_ASSIGN_OR_RETURN(auto db, OpenStoreFile(dir + "/vault-eu.db", eu_keys, FileKind::kRegion,
//                                              /*create_if_missing=*/false));
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "keyring/key_set.h"
#include "vault/schema.h"
#include "vault/sqlite.h"

namespace mailrelay::vault {

// Returns the path of the key-check file kept beside `db_path` ("<db_path>.keycheck").
std::string KeyCheckPath(const std::string& db_path);

// Returns the page-key version the key-check file of `db_path` names: 1 when it names none (a
// file never re-keyed) or is missing; 0 when the field is unreadable (no key will match).
uint32_t PageKeyVersion(const std::string& db_path);
// Returns whether the key-check file of `db_path` was written for `keys` (its scope, and the
// check value of its page key: the master key and page-key version), whatever salt it names.
bool KeyCheckNames(const std::string& db_path, const keyring::KeySet& keys);
// Returns the salt (hex) the key-check file of `db_path` names, "" if it has none.
std::string KeyCheckSalt(const std::string& db_path);
// Returns the hex of the first 16 bytes of `path`, "" if shorter. Only for a file this process
// has no connection to (closing the descriptor drops every POSIX lock the process holds on it).
std::string UnopenedFileSaltHex(const std::string& path);
// Writes (atomically) the key-check file of `db_path` for `keys` and the salt of the file at
// `salt_from` (which this process must have no connection to): how a re-key publishes the new
// page-key version before the re-keyed copy is renamed over `db_path` (vault/rekey.h).
Status WriteKeyCheckFor(const std::string& db_path, const std::string& salt_from,
                        const keyring::KeySet& keys);

// Opens the vault file at `path` with the page key of `keys`, creating it (and its key-check
// file) only if `create_if_missing`, and migrates its schema. Errors, each naming the file:
// kNotFound (missing, not creating), kUnauthenticated (wrong master key: key check failed),
// kDataLoss (corrupt, truncated or empty file), kFailedPrecondition (newer schema, or an
// SQLCipher file that is not a mailrelay vault).
StatusOr<std::unique_ptr<Db>> OpenStoreFile(const std::string& path, const keyring::KeySet& keys,
                                            FileKind kind, bool create_if_missing);

// Fsyncs the directory `dir`, so the renames and unlinks in it so far survive a crash.
Status SyncDirectory(const std::string& dir);

// Opens one more connection to a file OpenStoreFile already validated (same key and pragmas).
StatusOr<std::unique_ptr<Db>> OpenConnection(const std::string& path, const keyring::KeySet& keys);

}  // namespace mailrelay::vault
