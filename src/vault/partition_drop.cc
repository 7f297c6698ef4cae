// vault/partition_drop.cc — see partition_drop.h.
#include "vault/partition_drop.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "vault/sqlite.h"
#include "vault/store_file.h"

namespace mailrelay::vault {
namespace {

constexpr char kDroppingSuffix[] = ".dropping";
// The overwrite goes chunk by chunk, each synced, then a pause as long as the chunk took: a relay
// commit's fsync on the same disk then queues behind one chunk at most, and the drop leaves the
// disk half its time. (sweep_bench: 312 ms at worst when an 800 MB file was written in one go
// and synced at the end; sweep_relay_bench: the relay's median during the drops went from 2.7
// to 1.3 ms, its idle 0.9, with 1 MiB chunks and the pause.)
constexpr size_t kZeroChunk = 1 << 20;

std::function<void(const std::string&, off_t, off_t)>& Observer() {
  static std::function<void(const std::string&, off_t, off_t)> observer;
  return observer;
}

Status Errno(const std::string& what, const std::string& path) {
  return Status::Internal(what + " " + path + ": " + std::strerror(errno));
}

// Overwrites `path` with zeros and frees it one chunk at a time from its end, then unlinks what
// is left (nothing) and `key_check`. Each step writes zeros over the chunk, syncs them, cuts the
// file there, syncs the cut, and pauses as long as that took. Cutting chunk by chunk matters as
// much as writing so: ext4 frees (and, mounted with `discard`, trims) all of an unlinked file's
// extents in one journal commit, and a relay commit's fsync waited ~8 ms behind it once per
// file (docs/retention.md "Expiry partitions").
Status ZeroAndUnlink(const std::string& path, const std::string& key_check) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open the dropped partition", path);
  auto fail = [&](const char* what) {
    Status s = Errno(what, path);
    ::close(fd);
    return s;
  };
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail("cannot stat the dropped partition");
  const std::vector<char> zeros(kZeroChunk, 0);
  for (off_t end = st.st_size; end > 0;) {
    const auto started = std::chrono::steady_clock::now();
    const off_t begin = std::max<off_t>(0, end - static_cast<off_t>(kZeroChunk));
    for (off_t at = begin; at < end;) {
      const ssize_t w = ::pwrite(fd, zeros.data(), static_cast<size_t>(end - at), at);
      if (w <= 0) return fail("cannot overwrite the dropped partition");
      at += w;
    }
    if (::fdatasync(fd) != 0) return fail("cannot sync the dropped partition");
    if (Observer()) Observer()(path, begin, end);
    if (::ftruncate(fd, begin) != 0) return fail("cannot shorten the dropped partition");
    if (::fdatasync(fd) != 0) return fail("cannot sync the dropped partition");
    end = begin;
    std::this_thread::sleep_for(std::chrono::steady_clock::now() - started);
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

StatusOr<int64_t> DestroyPartitionFile(const std::string& path, const keyring::KeySet& keys) {
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
  MR_ASSIGN_OR_RETURN(const int64_t records, db->QueryInt("SELECT count(*) FROM records"));
  MR_RETURN_IF_ERROR(db->Exec("COMMIT"));
  // The commit point: a file by this name is never opened again, only finished off.
  const std::string dropping = path + kDroppingSuffix;
  if (::rename(path.c_str(), dropping.c_str()) != 0) {
    return Errno("cannot rename the expired partition", path);
  }
  MR_RETURN_IF_ERROR(SyncDirectory(DirOf(path)));
  // Our own lock goes when ZeroAndUnlink closes its descriptor of the same file: nobody opens a
  // ".dropping" file, so nothing can come between.
  MR_RETURN_IF_ERROR(ZeroAndUnlink(dropping, KeyCheckPath(path)));
  db.reset();
  MR_RETURN_IF_ERROR(SyncDirectory(DirOf(path)));
  return records;
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
  if (!leftovers.empty()) MR_RETURN_IF_ERROR(SyncDirectory(dir));
  return static_cast<int>(leftovers.size());
}

void SetDropObserverForTesting(
    std::function<void(const std::string& path, off_t begin, off_t end)> observer) {
  Observer() = std::move(observer);
}

}  // namespace mailrelay::vault
