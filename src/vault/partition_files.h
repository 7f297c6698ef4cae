// vault/partition_files.h — finding a region's expiry partition files and the page key of each:
// shared by the region's store and by the maintenance commands (key rotation) that work on
// the files directly. Internal to vault/.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "keyring/key_set.h"
#include "keyring/master_key.h"
#include "vault/partition_layout.h"

namespace mailrelay::vault {

// Returns the partitions in `dir` (vault-<region>.d), oldest first; none if `dir` is missing.
// Other files there (key checks, WALs, ".dropping" and ".creating" leftovers) are not partitions.
StatusOr<std::vector<PartitionId>> ListPartitions(const std::string& dir);

// Returns the key the region's store keeps to derive its partitions' page keys.
StatusOr<keyring::MasterKey> PartitionRoot(const keyring::MasterKey& master,
                                           const std::string& region);

// Returns the page keys of the partition file `path` of `region`: first completes or discards
// a re-key a crash interrupted (vault/rekey.h), then takes the page-key version its key check
// names (kDataLoss if it names none).
StatusOr<std::unique_ptr<keyring::KeySet>> PartitionKeys(const keyring::MasterKey& root,
                                                         const std::string& region,
                                                         const PartitionId& id,
                                                         const std::string& path);

// Creates the partition file `path` with `keys`: schema and key check made under the name
// "<path>.creating", which is renamed to `path` only once complete. A crash midway leaves no
// file by the partition's name without a schema, which would fail every open of it.
Status CreatePartitionFile(const std::string& path, const keyring::KeySet& keys);

// Deletes the "*.creating" files (with their key checks) a crash left in `dir`: they never held
// a record. Returns how many it deleted.
StatusOr<int> RemoveUnfinishedCreations(const std::string& dir);

}  // namespace mailrelay::vault
