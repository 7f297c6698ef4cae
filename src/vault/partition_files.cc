// vault/partition_files.cc — see partition_files.h.
#include "vault/partition_files.h"

#include <algorithm>
#include <filesystem>

#include "common/log.h"
#include "vault/rekey.h"
#include "vault/store_file.h"

namespace mailrelay::vault {

StatusOr<std::vector<PartitionId>> ListPartitions(const std::string& dir) {
  std::vector<PartitionId> out;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return out;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (auto id = ParsePartitionFileName(entry.path().filename().string())) out.push_back(*id);
  }
  if (ec) return Status::Internal("cannot list partition directory " + dir + ": " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

StatusOr<keyring::MasterKey> PartitionRoot(const keyring::MasterKey& master,
                                           const std::string& region) {
  return keyring::KeySet::DeriveScopeRoot(master, region + "/partitions");
}

StatusOr<std::unique_ptr<keyring::KeySet>> PartitionKeys(const keyring::MasterKey& root,
                                                         const std::string& region,
                                                         const PartitionId& id,
                                                         const std::string& path) {
  MR_ASSIGN_OR_RETURN(bool rekeyed, FinishInterruptedRekey(path));
  if (rekeyed) log::Warn("vault.rekey_completed").Ident("region", log::Id(region)).Emit();
  const uint32_t page = PageKeyVersion(path);
  if (page == 0) {
    return Status::DataLoss("key-check file " + KeyCheckPath(path) +
                            " names no valid page-key version; restore it from a backup");
  }
  return keyring::KeySet::Derive(root, PartitionScope(region, id), page);
}

}  // namespace mailrelay::vault
