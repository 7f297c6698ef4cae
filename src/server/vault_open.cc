// server/vault_open.cc — vault options from the config.
#include "server/vault_open.h"

#include <sys/stat.h>

#include <cstdlib>
#include <iostream>

#include "common/policy_set.h"
#include "keyring/master_key.h"
#include "server/policy_regions.h"

namespace mailrelay::server {
namespace {

StatusOr<vault::VaultOptions> Options(const Config& config, const PolicySet& policy, bool create) {
  vault::VaultOptions o;
  o.data_dir = config.data_dir;
  MR_ASSIGN_OR_RETURN(o.regions, VaultRegions(config, policy));
  o.master_key_path = config.master_key_file;
  o.create_if_missing = create;
  o.partition_span_days = config.partition_days;
  return o;
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

Status EnsureDataDir(const std::string& dir) {
  if (Exists(dir)) return Status::Ok();
  if (::mkdir(dir.c_str(), 0700) != 0) {
    return Status::FailedPrecondition("cannot create data directory \"" + dir + "\"");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::vector<std::string>> VaultRegions(const Config& config, const PolicySet& policy) {
  MR_ASSIGN_OR_RETURN(std::vector<std::string> regions, VaultRegionsFor(config, policy));
  MR_RETURN_IF_ERROR(CheckNoUnlistedRegionFiles(config.data_dir, policy));
  return regions;
}

StatusOr<std::vector<std::string>> VaultRegions(const Config& config) {
  MR_ASSIGN_OR_RETURN(PolicySet policy, LoadPolicySet(config.policy_dir));
  return VaultRegions(config, policy);
}

StatusOr<std::unique_ptr<vault::Vault>> OpenVaultForService(const Config& config) {
  MR_ASSIGN_OR_RETURN(PolicySet policy, LoadPolicySet(config.policy_dir));
  return OpenVaultForService(config, policy);
}

StatusOr<std::unique_ptr<vault::Vault>> OpenVaultForService(const Config& config,
                                                            const PolicySet& policy) {
  if (config.quickstart) {
    MR_RETURN_IF_ERROR(EnsureDataDir(config.data_dir));
    if (std::getenv("MAILRELAY_MASTER_KEY") == nullptr && !Exists(config.master_key_file)) {
      MR_RETURN_IF_ERROR(keyring::CreateMasterKeyFile(config.master_key_file));
      std::cerr << "\n"
                << "  !!! DEVELOPMENT MASTER KEY created at " << config.master_key_file << "\n"
                << "  !!! It sits next to the data it protects: fine for trying mailrelay,\n"
                << "  !!! never for production. Use `mailrelay keys init --config FILE` with\n"
                << "  !!! the key on separate, protected storage.\n\n";
    }
  }
  MR_ASSIGN_OR_RETURN(vault::VaultOptions options, Options(config, policy, config.quickstart));
  return vault::Vault::Open(options);
}

StatusOr<KeysInitialized> InitKeysAndVault(const Config& config) {
  MR_RETURN_IF_ERROR(EnsureDataDir(config.data_dir));
  std::string done;
  if (std::getenv("MAILRELAY_MASTER_KEY") != nullptr) {
    done += "master key: from $MAILRELAY_MASTER_KEY\n";
  } else if (Exists(config.master_key_file)) {
    done += "master key: kept existing " + config.master_key_file + "\n";
  } else {
    MR_RETURN_IF_ERROR(keyring::CreateMasterKeyFile(config.master_key_file));
    done += "master key: created " + config.master_key_file + " (mode 0600) — back it up\n";
  }
  MR_ASSIGN_OR_RETURN(PolicySet policy, LoadPolicySet(config.policy_dir));
  MR_ASSIGN_OR_RETURN(vault::VaultOptions options, Options(config, policy, true));
  MR_ASSIGN_OR_RETURN(std::unique_ptr<vault::Vault> vault, vault::Vault::Open(options));
  for (const auto& region : vault->regions()) {
    done += "vault: " + config.data_dir + "/" + vault::RegionFileName(region) + "\n";
  }
  return KeysInitialized{done, vault->regions()};
}

int ExitCodeForVaultError(const Status& status) {
  switch (status.code()) {
    case StatusCode::kUnauthenticated:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kNotFound:
    case StatusCode::kInvalidArgument:
      return 78;
    case StatusCode::kDataLoss:
      return 65;
    default:
      return 74;
  }
}

}  // namespace mailrelay::server
