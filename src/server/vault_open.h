// server/vault_open.h — opening the vault the way every command does: the config's data dir
// and master key, all regions; quickstart creates a development key (loudly) and the files.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/policy_set.h"
#include "common/status.h"
#include "vault/vault.h"

namespace mailrelay::server {

// Returns the vault's regions: policy/regions.json's (config.policy_dir), once the config names
// only listed regions and data_dir holds no file of an unlisted one (server/policy_regions.h).
StatusOr<std::vector<std::string>> VaultRegions(const Config& config);
// The same with the policy the caller already loaded.
StatusOr<std::vector<std::string>> VaultRegions(const Config& config, const PolicySet& policy);

// Returns the open vault. In quickstart, a missing master key is created (with a warning on
// stderr) and missing vault files are created; otherwise they must exist (`keys init`).
StatusOr<std::unique_ptr<vault::Vault>> OpenVaultForService(const Config& config);
// The same with the policy the caller already loaded (serve, sweep, the compliance commands).
StatusOr<std::unique_ptr<vault::Vault>> OpenVaultForService(const Config& config,
                                                            const PolicySet& policy);

// Creates the master key (unless it exists or $MAILRELAY_MASTER_KEY is set) and every vault
// file: what `mailrelay keys init` does. Returns what it did, for the operator, and the regions.
struct KeysInitialized {
  std::string report;
  std::vector<std::string> regions;
};
StatusOr<KeysInitialized> InitKeysAndVault(const Config& config);

// Returns the sysexits code for a vault-open failure: 78 for key and configuration problems
// (wrong, missing or exposed key), 65 for a corrupt file, 74 otherwise.
int ExitCodeForVaultError(const Status& status);

}  // namespace mailrelay::server
