// vault/rotation.h — `mailrelay keys rotate --region R`: a new field-key and blind-index version
// for new writes, every older record re-encrypted and re-indexed in bounded batches (resumable),
// the old versions destroyed, then the file re-keyed under the next page key.
//
//   RotateOptions ro{.batch_size = 1000};
//   MR_ASSIGN_OR_RETURN(RotateResult r, RotateRegion(vault_options, "eu", ro));
//
// Runs on its own connection beside a running `serve` (short BEGIN IMMEDIATE batches; serve
// notices the new versions through the key generation). Only the last step, the page re-key,
// needs the file to itself. docs/keys.md "Rotation".
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"
#include "vault/vault.h"

namespace mailrelay::vault {

struct RotateProgress {
  uint64_t done = 0;   // records re-encrypted so far in this run
  uint64_t total = 0;  // records to re-encrypt in this run (counted when it started)
  uint64_t batches = 0;
};

struct RotateOptions {
  size_t batch_size = 1000;  // records per transaction (1..100000)
  // Stop after this many batches, leaving the rotation unfinished (0: run to the end). Tests use
  // it to stand for a crash; a later run continues where this one stopped.
  uint64_t max_batches = 0;
  bool skip_rekey = false;  // finish without re-keying the file (serve keeps running)
  bool rekey_only = false;  // no new key versions: only re-key the file under the next page key
  std::function<void(const RotateProgress&)> progress;  // after each batch
};

enum class RekeyOutcome {
  kDone,        // the file has a new page key
  kSkipped,     // --skip-rekey: the rotation finished without one
  kBusy,        // another process has the file open; the rotation stays at its re-key step
  kNotReached,  // stopped (max_batches) before the re-key step
};

struct RotateResult {
  std::string region;
  bool resumed = false;   // continued a rotation an earlier run left unfinished
  bool finished = false;  // nothing of this rotation is left to do
  uint32_t field_from = 0, field_to = 0, blind_from = 0, blind_to = 0;
  uint32_t page_from = 0, page_to = 0;  // page_to == page_from unless re-keyed
  uint64_t records = 0, batches = 0;    // re-encrypted by this run
  uint64_t records_total = 0;           // over every run of this rotation
  bool old_versions_destroyed = false;
  RekeyOutcome rekey = RekeyOutcome::kNotReached;
  std::string rekey_message;  // why, when kBusy
  int64_t max_batch_ms = 0;   // the longest a batch held the write lock (a writer's worst wait)
  int64_t elapsed_ms = 0;
};

// Rotates `region` (one of options.regions) in the vault `options` describes. The master key is
// read as Vault::Open reads it and wiped on return. Errors name the file: kInvalidArgument
// (unknown region, bad options), kFailedPrecondition (--rekey-only while a rotation is
// unfinished, the key table changed outside a rotation, or another `keys rotate` of the region
// moved it on), kDataLoss (a record that does not open, a damaged rotation record), and what
// opening the file returns.
StatusOr<RotateResult> RotateRegion(const VaultOptions& options, const std::string& region,
                                    const RotateOptions& rotate);

// Returns "done" / "skipped" / "busy" / "not_reached".
const char* RekeyOutcomeName(RekeyOutcome outcome);

}  // namespace mailrelay::vault
