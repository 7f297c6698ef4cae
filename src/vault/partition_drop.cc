// vault/partition_drop.cc — see partition_drop.h.
#include "vault/partition_drop.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "vault/sqlite.h"
#include "vault/store_file.h"

namespace mailrelay::vault {
namespace {

constexpr char kDroppingSuffix[] = ".dropping";
// The overwrite is synced chunk by chunk: a relay commit's fsync on the same disk then queues
// behind one chunk at most, not behind a whole day's file (sweep_bench: 312 ms at worst when an
// 800 MB file was written in one go and synced at the end).
constexpr size_t kZeroChunk = 4 << 20;

Status Errno(const std::string& what, const std::string& path) {
  return Status::Internal(what + " " + path + ": " + std::strerror(errno));
}

Status FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open directory", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Errno("cannot fsync directory", dir);
  return Status::Ok();
}

// Overwrites the whole of `path` with zeros and syncs it; then unlinks it and `key_check`.
Status ZeroAndUnlink(const std::string& path, const std::string& key_check) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open the dropped partition", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Errno("cannot stat the dropped partition", path);
  }
  const std::vector<char> zeros(kZeroChunk, 0);
  for (off_t done = 0; done < st.st_size;) {
    const size_t n = static_cast<size_t>(std::min<off_t>(st.st_size - done, kZeroChunk));
    ssize_t w = ::pwrite(fd, zeros.data(), n, done);
    if (w <= 0) {
      ::close(fd);
      return Errno("cannot overwrite the dropped partition", path);
    }
    done += w;
    if (::fdatasync(fd) != 0) {
      ::close(fd);
      return Errno("cannot sync the dropped partition", path);
    }
  }
  ::close(fd);
  if (::unlink(path.c_str()) != 0) return Errno("cannot unlink the dropped partition", path);
  std::error_code ec;
  std::filesystem::remove(key_check, ec);
  return Status::Ok();
}

std::string DirOf(const std::string& path) {
  return std::filesystem::path(path).parent_path().string();
}

}  // namespace

Status DestroyPartitionFile(const std::string& path, const keyring::KeySet& keys) {
  MR_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, OpenConnection(path, keys));
  // Leaving WAL mode takes an exclusive lock, tried once: any other connection keeps it from us.
  // It also checkpoints the WAL into the file and removes it, so the file holds every page.
  auto mode = db->QueryText("PRAGMA journal_mode = DELETE");
  if (!mode.ok() || *mode != "delete") {
    return Status::Unavailable("partition " + path +
                               " is open in another process; the next sweep drops it");
  }
  MR_RETURN_IF_ERROR(db->Exec("PRAGMA locking_mode = EXCLUSIVE"));
  MR_RETURN_IF_ERROR(db->Exec("BEGIN EXCLUSIVE"));
  MR_RETURN_IF_ERROR(db->Exec("COMMIT"));
  // The commit point: a file by this name is never opened again, only finished off.
  const std::string dropping = path + kDroppingSuffix;
  if (::rename(path.c_str(), dropping.c_str()) != 0) {
    return Errno("cannot rename the expired partition", path);
  }
  MR_RETURN_IF_ERROR(FsyncDir(DirOf(path)));
  // Our own lock goes when ZeroAndUnlink closes its descriptor of the same file: nobody opens a
  // ".dropping" file, so nothing can come between.
  MR_RETURN_IF_ERROR(ZeroAndUnlink(dropping, KeyCheckPath(path)));
  db.reset();
  return FsyncDir(DirOf(path));
}

StatusOr<int> FinishInterruptedDrops(const std::string& dir) {
  const size_t suffix = sizeof(kDroppingSuffix) - 1;
  std::vector<std::string> leftovers;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > suffix && name.compare(name.size() - suffix, suffix, kDroppingSuffix) == 0) {
      leftovers.push_back(entry.path().string());
    }
  }
  if (ec) return Status::Internal("cannot list partition directory " + dir + ": " + ec.message());
  for (const std::string& dropping : leftovers) {
    const std::string original = dropping.substr(0, dropping.size() - suffix);
    MR_RETURN_IF_ERROR(ZeroAndUnlink(dropping, KeyCheckPath(original)));
  }
  if (!leftovers.empty()) MR_RETURN_IF_ERROR(FsyncDir(dir));
  return static_cast<int>(leftovers.size());
}

}  // namespace mailrelay::vault
