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

// Opens the vault file at `path` with the page key of `keys`, creating it (and its key-check
// file) only if `create_if_missing`, and migrates its schema. Errors, each naming the file:
// kNotFound (missing, not creating), kUnauthenticated (wrong master key: key check failed),
// kDataLoss (corrupt, truncated or empty file), kFailedPrecondition (newer schema, or an
// SQLCipher file that is not a mailrelay vault).
StatusOr<std::unique_ptr<Db>> OpenStoreFile(const std::string& path, const keyring::KeySet& keys,
                                            FileKind kind, bool create_if_missing);

// Opens one more connection to a file OpenStoreFile already validated (same key and pragmas).
StatusOr<std::unique_ptr<Db>> OpenConnection(const std::string& path, const keyring::KeySet& keys);

}  // namespace mailrelay::vault
