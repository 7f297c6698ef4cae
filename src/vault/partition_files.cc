// vault/partition_files.cc — see partition_files.h.
#include "vault/partition_files.h"

#include <algorithm>
#include <filesystem>

#include "vault/rekey.h"

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
  MR_ASSIGN_OR_RETURN(const uint32_t page, SettledPageKeyVersion(path, region));
  return keyring::KeySet::Derive(root, PartitionScope(region, id), page);
}

}  // namespace mailrelay::vault
