// vault/master_rotation.cc — the files a master key protects, and each one's re-wrap + re-key.
#include "vault/master_rotation.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <set>

#include "keyring/key_set.h"
#include "vault/audit_store.h"
#include "vault/partition_files.h"
#include "vault/rekey.h"
#include "vault/sqlite.h"
#include "vault/store_file.h"
#include "vault/vault.h"

namespace mailrelay::vault {
namespace {

struct FileToRotate {
  std::string name, scope;
  // Set for an expiry partition: its keys come from this region's partition root, not straight
  // from the master key (vault/partition_files.h).
  std::string partition_of;
};

// Returns the key set of `f` at page-key version `page` under `master`.
StatusOr<std::unique_ptr<keyring::KeySet>> KeysOf(const FileToRotate& f,
                                                  const keyring::MasterKey& master, uint32_t page) {
  if (f.partition_of.empty()) return keyring::KeySet::Derive(master, f.scope, page);
  MR_ASSIGN_OR_RETURN(keyring::MasterKey root, PartitionRoot(master, f.partition_of));
  return keyring::KeySet::Derive(root, f.scope, page);
}

bool IsRegionId(std::string_view r) {
  if (r.empty() || r.size() > 32 || r == keyring::kGlobalScope) return false;
  return std::all_of(r.begin(), r.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// Region files (configured ones, then any other vault-<region>.db in data_dir), their expiry
// partitions, audit.db, control.db. serve keeps the region files and audit.db open for its whole
// life, so with serve running the first file already fails (kUnavailable) and nothing has changed;
// control.db, which serve opens only now and then, comes last.
StatusOr<std::vector<FileToRotate>> FilesToRotate(const MasterRotateOptions& options) {
  std::set<std::string> regions(options.regions.begin(), options.regions.end());
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(options.data_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 9 && name.rfind("vault-", 0) == 0 &&
        name.compare(name.size() - 3, 3, ".db") == 0) {
      std::string region = name.substr(6, name.size() - 9);
      if (IsRegionId(region)) regions.insert(region);
    }
  }
  if (ec) {
    return Status::NotFound("vault data_dir " + options.data_dir +
                            " cannot be read: " + ec.message());
  }
  std::vector<FileToRotate> out;
  for (const std::string& r : regions) out.push_back({RegionFileName(r), r, ""});
  for (const std::string& r : regions) {
    MR_ASSIGN_OR_RETURN(std::vector<PartitionId> ids,
                        ListPartitions(options.data_dir + "/" + PartitionDirName(r)));
    for (const PartitionId& id : ids) {
      out.push_back({PartitionDirName(r) + "/" + PartitionFileName(id), PartitionScope(r, id), r});
    }
  }
  out.push_back({kAuditFileName, kAuditScope, ""});
  out.push_back({kControlFileName, keyring::kGlobalScope, ""});
  return out;
}

int64_t MsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t)
      .count();
}

// Where one file stands: which master key its key check names, at which page-key version.
struct FileState {
  bool exists = false;
  bool done = false;  // under the new master key
  uint32_t page = 0;
};

StatusOr<FileState> Examine(const std::string& path, const FileToRotate& file,
                            const keyring::MasterKey& old_master,
                            const keyring::MasterKey& new_master) {
  FileState st;
  std::error_code ec;
  // A re-key a crash interrupted (this command's or `keys rotate`'s) is completed or discarded
  // first: then the key-check file describes the file that is there.
  MR_ASSIGN_OR_RETURN(bool completed, FinishInterruptedRekey(path));
  (void)completed;
  if (!std::filesystem::exists(path, ec)) return st;
  st.exists = true;
  st.page = PageKeyVersion(path);
  if (st.page == 0) {
    return Status::DataLoss("key-check file " + KeyCheckPath(path) +
                            " names no valid page-key version; restore it from a backup");
  }
  MR_ASSIGN_OR_RETURN(auto under_new, KeysOf(file, new_master, st.page));
  if (KeyCheckNames(path, *under_new)) {
    st.done = true;
    return st;
  }
  MR_ASSIGN_OR_RETURN(auto under_old, KeysOf(file, old_master, st.page));
  if (!KeyCheckNames(path, *under_old)) {
    return Status::Unauthenticated(
        "vault file " + path + ": its key-check file " + KeyCheckPath(path) +
        " matches neither the old nor the new master key (or is missing); nothing was changed "
        "in it. Check that the old key is the one serve used and the new key file is the one a "
        "previous run was given");
  }
  return st;
}

// Re-wraps every row of the copy's wrapped_keys (schema "rekeyed") from `from` to `to`, in one
// transaction on the copy; returns how many.
StatusOr<uint64_t> RewrapCopy(Db& db, const keyring::KeySet& from, const keyring::KeySet& to) {
  std::vector<keyring::WrappedKey> rows;
  {
    MR_ASSIGN_OR_RETURN(Stmt s, db.Prepare("SELECT purpose, version, wrapped, created_at_ms FROM "
                                           "rekeyed.wrapped_keys ORDER BY purpose, version"));
    while (true) {
      MR_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      rows.push_back({s.Text(0), static_cast<uint32_t>(s.Int(1)), s.Blob(2), s.Int(3)});
    }
  }
  MR_RETURN_IF_ERROR(InWriteTransaction(db, [&]() -> Status {
    MR_ASSIGN_OR_RETURN(Stmt u, db.Prepare("UPDATE rekeyed.wrapped_keys SET wrapped = ?3 WHERE "
                                           "purpose = ?1 AND version = ?2"));
    for (const keyring::WrappedKey& row : rows) {
      auto rewrapped = from.Rewrap(row, to);
      if (!rewrapped.ok()) return rewrapped.status().WithContext("vault file " + db.path());
      u.Reset();
      u.BindText(1, row.purpose);
      u.BindInt(2, row.version);
      u.BindBlob(3, rewrapped->wrapped);
      MR_RETURN_IF_ERROR(u.Run());
      if (db.changes() != 1) {
        return Status::Internal("vault file " + db.path() + ": re-wrapping key '" + row.purpose +
                                "' changed " + std::to_string(db.changes()) + " rows");
      }
    }
    return Status::Ok();
  }));
  return rows.size();
}

}  // namespace

StatusOr<MasterRotateResult> RotateMasterKey(const MasterRotateOptions& options,
                                             const keyring::MasterKey& old_master,
                                             const keyring::MasterKey& new_master) {
  const auto started = std::chrono::steady_clock::now();
  if (old_master.Equals(new_master)) {
    return Status::InvalidArgument("the new master key is the same as the old one");
  }
  if (options.data_dir.empty()) return Status::InvalidArgument("vault: data_dir is empty");
  MR_ASSIGN_OR_RETURN(std::vector<FileToRotate> files, FilesToRotate(options));

  // First pass, nothing re-keyed yet: every file present and named by one of the two keys.
  std::vector<FileState> states;
  for (const FileToRotate& f : files) {
    const std::string path = options.data_dir + "/" + f.name;
    MR_ASSIGN_OR_RETURN(FileState st, Examine(path, f, old_master, new_master));
    const bool required =
        f.name == kControlFileName ||
        std::find(options.regions.begin(), options.regions.end(), f.scope) != options.regions.end();
    if (!st.exists && required) {
      return Status::NotFound("vault file " + path +
                              " missing: run `mailrelay keys init` with the old master key first, "
                              "or point data_dir at the existing vault");
    }
    states.push_back(st);
  }

  MasterRotateResult result;
  for (size_t i = 0; i < files.size(); ++i) {
    if (!states[i].exists) continue;  // audit.db before the first audit entry
    const std::string path = options.data_dir + "/" + files[i].name;
    MasterRotateFile out{files[i].name, files[i].scope};
    if (states[i].done) {
      ++result.files_already_done;
      if (options.progress) options.progress(files[i].name + ": already under the new master key");
      result.files.push_back(out);
      continue;
    }
    out.page_from = states[i].page;
    MR_ASSIGN_OR_RETURN(auto from, KeysOf(files[i], old_master, states[i].page));
    // Page-key version 1 of the new master key: its sequence starts over (docs/keys.md).
    MR_ASSIGN_OR_RETURN(auto to, KeysOf(files[i], new_master, 1));
    uint64_t rewrapped = 0;
    Status s = RekeyFileWith(path, *from, *to, [&](Db& db) -> Status {
      MR_ASSIGN_OR_RETURN(rewrapped, RewrapCopy(db, *from, *to));
      return Status::Ok();
    });
    if (s.code() == StatusCode::kUnavailable) {
      return Status::Unavailable(
          s.message() + "; " + std::to_string(result.files_rekeyed) +
          " file(s) were rotated before it and stay rotated: stop serve "
          "(and any other mailrelay command) and run the same command again");
    }
    MR_RETURN_IF_ERROR(s);
    out.rekeyed = true;
    out.keys_rewrapped = rewrapped;
    ++result.files_rekeyed;
    result.keys_rewrapped += rewrapped;
    if (options.progress) {
      options.progress(files[i].name + ": re-keyed, " + std::to_string(rewrapped) +
                       " key(s) re-wrapped");
    }
    result.files.push_back(out);
  }
  result.elapsed_ms = MsSince(started);
  return result;
}

}  // namespace mailrelay::vault
