// vault/partition_files.cc — see partition_files.h.
#include "vault/partition_files.h"

#include <stdio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "vault/rekey.h"
#include "vault/sqlite.h"
#include "vault/store_file.h"

namespace mailrelay::vault {
namespace {

constexpr char kCreatingSuffix[] = ".creating";

// Removes the file, its WAL and WAL index, and its key check.
void RemoveWithKeyCheck(const std::string& path) {
  std::error_code ec;
  for (const std::string& file : {path, path + "-wal", path + "-shm", KeyCheckPath(path)}) {
    std::filesystem::remove(file, ec);
  }
}

}  // namespace

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

Status CreatePartitionFile(const std::string& path, const keyring::KeySet& keys) {
  const std::string creating = path + kCreatingSuffix;
  RemoveWithKeyCheck(creating);  // an earlier attempt's
  {
    // Closing the only connection checkpoints the WAL into the file and removes it.
    MR_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, OpenStoreFile(creating, keys, FileKind::kRegion,
                                                              /*create_if_missing=*/true));
  }
  MR_RETURN_IF_ERROR(WriteKeyCheckFor(path, creating, keys));
  if (::rename(creating.c_str(), path.c_str()) != 0) {
    return Status::Internal("cannot rename " + creating + " to " + path + ": " +
                            std::strerror(errno));
  }
  std::error_code ec;
  std::filesystem::remove(KeyCheckPath(creating), ec);
  return SyncDirectory(std::filesystem::path(path).parent_path().string());
}

StatusOr<int> RemoveUnfinishedCreations(const std::string& dir) {
  std::vector<std::string> leftovers;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().string();
    if (name.ends_with(kCreatingSuffix)) leftovers.push_back(name);
  }
  if (ec) return Status::Internal("cannot list partition directory " + dir + ": " + ec.message());
  for (const std::string& path : leftovers) RemoveWithKeyCheck(path);
  return static_cast<int>(leftovers.size());
}

}  // namespace mailrelay::vault
