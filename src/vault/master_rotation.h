// vault/master_rotation.h — `mailrelay keys rotate-master`: every vault file moved from the old
// master key to a new one. Each file's wrapped keys are re-wrapped under the new master's
// wrapping key inside the re-key copy that gets the new master's page key, and that copy is
// published by the key-check file (vault/rekey.h), so a file is always wholly under one master
// key. Offline (every file to itself) and resumable: a file already under the new master key
// is skipped. docs/keys.md "Master-key rotation" has the crash analysis.
//
//   MR_ASSIGN_OR_RETURN(MasterRotateResult r, RotateMasterKey(options, old_master, new_master));
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "keyring/master_key.h"

namespace mailrelay::vault {

struct MasterRotateOptions {
  std::string data_dir;
  // The configured regions; vault-<region>.db files found in data_dir for other regions are
  // rotated too (they are keyed from the same master key), and so is every region's expiry
  // partitions (vault-<region>.d/*.db, keyed from the region's partition root).
  std::vector<std::string> regions;
  // Called with one line per file ("vault-eu.db: re-keyed, 2 keys re-wrapped"); may be empty.
  std::function<void(const std::string&)> progress;
};

struct MasterRotateFile {
  std::string file;             // name in data_dir ("vault-eu.db", "audit.db", "control.db")
  std::string scope;            // its key-set scope ("eu", "audit", "global")
  bool rekeyed = false;         // false: it was under the new master key already (earlier run)
  uint64_t keys_rewrapped = 0;  // wrapped_keys rows re-wrapped (this run)
  uint32_t page_from = 0;       // its page-key version under the old master key (0 if skipped)
};

struct MasterRotateResult {
  std::vector<MasterRotateFile> files;  // in the order they were handled
  uint64_t files_rekeyed = 0;
  uint64_t files_already_done = 0;
  uint64_t keys_rewrapped = 0;
  int64_t elapsed_ms = 0;
};

// Moves every vault file in options.data_dir (region files first, then audit.db, then
// control.db) from `old_master` to `new_master`: page key version 1 of the new master, every
// wrapped key re-wrapped. Before changing any file it completes or discards interrupted re-keys
// and checks every file's key check names one of the two keys. Errors: kInvalidArgument (the
// two keys are equal), kNotFound (control.db or a configured region file missing),
// kUnauthenticated (a file's key check matches neither key, naming the file), kUnavailable (a
// file is open in another process — serve — or being re-keyed: stop it and run again; files
// finished before stay finished), kDataLoss (a wrapped key does not unwrap, or a key-check file
// is unreadable).
StatusOr<MasterRotateResult> RotateMasterKey(const MasterRotateOptions& options,
                                             const keyring::MasterKey& old_master,
                                             const keyring::MasterKey& new_master);

}  // namespace mailrelay::vault
