// vault/record_store_factory.h — how Vault::Open gets each region's RecordStore
// (vault/record_store.h); declared apart so vault.h needs no backend header.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/status.h"

namespace mailrelay::keyring {
class MasterKey;
}

namespace mailrelay::vault {

class RecordStore;
class WriteGuard;

// Opens the record store of `region`; `guard` (owned by the Vault) outlives it. `master` is
// for a backend that needs a key of its own to reach its data (SQLCipher's page key): a backend
// derives that from it and nothing else; field and blind-index keys stay with the Vault.
using RecordStoreFactory = std::function<StatusOr<std::unique_ptr<RecordStore>>(
    const std::string& region, const keyring::MasterKey& master, WriteGuard& guard)>;

}  // namespace mailrelay::vault
