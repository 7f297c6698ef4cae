// auditlog/audit_log.h — the append-only audit log: the one append API every module uses,
// and the reads behind `mailrelay audit …` and the auditor API.
//
//   MR_ASSIGN_OR_RETURN(auto log, OpenLocalAuditLog({.data_dir = "var",
//                                                    .master_key_path = "var/master.key"}));
//   MR_ASSIGN_OR_RETURN(AppendResult r, log->Append({.actor = "cli:alice",
//                                                   .action = "records.read",
//                                                   .details = {{"records", 12}}}));
//   // r.index is durable and covered by the signed checkpoint of size r.tree_size.
//
// How an append works (docs/auditlog.md): concurrent Append calls are serialised and grouped;
// the group is written in ONE store transaction (LogStore::Write: BEGIN IMMEDIATE, durable at
// commit) that
//   1. checks the store's generation and, if another process appended since, reloads the
//      tree state (frontier) and checks the other process's head: its signature with our key
//      and its consistency with the last head this process saw;
//   2. assigns indexes and times, encodes each entry canonically (entry.h) and hashes it;
//   3. extends the compact range, storing every completed subtree hash (O(log n) proofs);
//   4. refuses to sign unless the new tree is consistent with the last signed checkpoint
//      (ConsistencyProof over the stored hashes + VerifyConsistency);
//   5. signs the checkpoint (C2SP note) and stores it as the next head.
// Append returns only after the commit. Entries never hold personal data in plain text:
// callers pass audit pseudonyms; Append rejects strings that look like an e-mail address or
// an IP address (CheckNoPlainPersonalData).
//
// Thread-safe. Several processes may share one store: the generation check (step 1) and the
// store's exclusive write transaction keep them from signing inconsistent checkpoints.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "auditlog/checkpoint.h"
#include "auditlog/compact_range.h"
#include "auditlog/log_store.h"
#include "auditlog/note.h"
#include "common/status.h"

namespace mailrelay::auditlog {

// What a caller appends; the log adds index and time.
struct AuditEvent {
  std::string actor;   // "cli:<user>", "api:<token id>", "system"
  std::string action;  // [a-z0-9._-]+, e.g. "keys.init", "service.start", "records.read"
  nlohmann::json details = nlohmann::json::object();
};

struct AppendResult {
  uint64_t index = 0;      // the entry's leaf index
  uint64_t tree_size = 0;  // size of the signed checkpoint that first covers it
};

struct SignedHead {
  uint64_t generation = 0;
  uint64_t size = 0;
  Hash root{};
  std::string checkpoint;  // the signed note, as exported
};

struct InclusionAnswer {
  uint64_t index = 0;
  uint64_t size = 0;
  Hash leaf_hash{};
  std::vector<Hash> proof;
  std::optional<std::string> checkpoint;  // the signed checkpoint of `size`, when one exists
  // {"index", "size", "leaf_hash", "proof"} (+ "checkpoint"), hashes in base64 (FORMAT.md §6).
  nlohmann::json ToJson() const;
};

struct ConsistencyAnswer {
  uint64_t size1 = 0;
  uint64_t size2 = 0;
  std::vector<Hash> proof;
  std::optional<std::string> checkpoint1, checkpoint2;  // signed checkpoints, when they exist
  // {"size1", "size2", "proof"} (+ "checkpoint1", "checkpoint2"), FORMAT.md §6.
  nlohmann::json ToJson() const;
};

// Adapts any key with `PublicKey()` (32 bytes) and `Sign(message)` (StatusOr of 64 bytes) —
// keyring::SigningKey in production — to NoteSigner under the log's key name.
template <typename Key>
class KeyNoteSigner final : public NoteSigner {
 public:
  KeyNoteSigner(std::string name, std::unique_ptr<Key> key)
      : name_(std::move(name)), key_(std::move(key)) {
    const auto& pub = key_->PublicKey();
    std::copy(pub.begin(), pub.end(), public_.begin());
  }
  const std::string& KeyName() const override { return name_; }
  const PublicKey& Public() const override { return public_; }
  StatusOr<Signature> Sign(std::string_view message) const override {
    MR_ASSIGN_OR_RETURN(auto sig, key_->Sign(message));
    Signature out{};
    std::copy(sig.begin(), sig.end(), out.begin());
    return out;
  }

 private:
  std::string name_;
  std::unique_ptr<Key> key_;
  PublicKey public_{};
};

// Returns the origin (key name) a new log gets: "mailrelay.audit/<16 hex digits>", the hex
// being the first 8 bytes of SHA-256 of the public key (unique per installation, stable).
std::string DefaultOrigin(const PublicKey& public_key);

// Returns InvalidArgument naming the JSON path when `event` holds a string (actor, a details
// key or value) that looks like an e-mail address or an IPv4/IPv6 address.
Status CheckNoPlainPersonalData(const AuditEvent& event);

// Returns the details of a "service.start" entry: {"config_sha256": SHA-256 hex of the config
// file's bytes (null without a file), "policy_sha256": {"<name>.json": hex, …} for the JSON
// files in `policy_dir` (empty without one)}. Digests only: nothing of the contents.
// kNotFound / kPermissionDenied naming a file that cannot be read.
StatusOr<nlohmann::json> StartupDigests(const std::string& config_file,
                                        const std::string& policy_dir);

// Returns the current UTC time as RFC 3339 with milliseconds ("2026-11-28T04:34:05.123Z").
std::string NowRfc3339();

class AuditLog {
 public:
  struct Options {
    size_t max_batch = 4096;             // entries per transaction (and checkpoint)
    std::function<std::string()> clock;  // entry times; default NowRfc3339
  };

  // Opens the log in `store`, signing with `signer` (its key name is the origin). An empty
  // store gets its origin setting and a signed checkpoint of size 0. Checks the latest head:
  // signature by `signer`'s key, frontier and leaf count against its size and root.
  // kFailedPrecondition if the store's origin is not the signer's key name; kDataLoss or
  // kUnauthenticated if the head does not verify.
  static StatusOr<std::unique_ptr<AuditLog>> Open(std::unique_ptr<LogStore> store,
                                                  std::unique_ptr<NoteSigner> signer,
                                                  Options options);
  static StatusOr<std::unique_ptr<AuditLog>> Open(std::unique_ptr<LogStore> store,
                                                  std::unique_ptr<NoteSigner> signer) {
    return Open(std::move(store), std::move(signer), Options());
  }
  ~AuditLog();

  // Appends one entry; returns once it is durable and covered by a signed checkpoint.
  // InvalidArgument for a malformed event (nothing is written).
  StatusOr<AppendResult> Append(AuditEvent event);
  // Appends several entries, in order, in as few transactions as possible.
  StatusOr<std::vector<AppendResult>> AppendAll(std::vector<AuditEvent> events);

  // Returns the latest signed head in the store (any process's).
  StatusOr<SignedHead> Latest();
  // Returns up to `limit` stored entries (canonical bytes) from index `from`.
  StatusOr<std::vector<std::string>> Entries(uint64_t from, size_t limit);
  // Returns the inclusion proof of `index` in the tree of `size` leaves (0: the latest size).
  StatusOr<InclusionAnswer> ProveInclusion(uint64_t index, uint64_t size);
  // Returns the consistency proof between sizes `size1` and `size2` (0: the latest size).
  StatusOr<ConsistencyAnswer> ProveConsistency(uint64_t size1, uint64_t size2);
  // Writes the export of FORMAT.md §1 into `dir` (created if missing): entries.jsonl with
  // every entry the latest checkpoint covers, that checkpoint, and log.vkey. Returns the head.
  StatusOr<SignedHead> Export(const std::string& dir);

  const NoteVerifier& verifier() const { return verifier_; }
  const std::string& origin() const { return signer_->KeyName(); }

  struct Stats {
    uint64_t transactions = 0;  // batches written (one checkpoint each)
    uint64_t entries = 0;       // entries appended by this process
    uint64_t reloads = 0;       // times another process's batches were picked up
  };
  Stats stats() const;

 private:
  struct Pending;
  struct State {  // the cached tree state and the last head this process saw
    uint64_t generation = 0;
    CompactRange range;
    Hash root{};
  };

  AuditLog(std::unique_ptr<LogStore> store, std::unique_ptr<NoteSigner> signer,
           NoteVerifier verifier, Options options);
  Status CheckHead(const StoredHead& head) const;
  Status LoadState(const StoredHead& head, State& out) const;
  void WriteBatch(const std::vector<Pending*>& batch);
  Status WriteBatchTxn(LogWriteTxn& txn, const std::vector<Pending*>& batch, State& next,
                       std::vector<AppendResult>& results);
  StatusOr<std::vector<AppendResult>> Submit(std::vector<AuditEvent> events);

  std::unique_ptr<LogStore> store_;
  std::unique_ptr<NoteSigner> signer_;
  NoteVerifier verifier_;
  Options options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending*> queue_;       // guarded by mu_
  bool writing_ = false;             // a leader is writing a batch; guarded by mu_
  State state_;                      // only the leader touches it (writing_ == true)
  Stats stats_;                      // guarded by mu_
  uint64_t checked_generation_ = 0;  // the last head Latest() verified; guarded by mu_
  std::string checked_checkpoint_;   // guarded by mu_
};

struct LocalAuditLogOptions {
  std::string data_dir;            // audit.db (and control.db, for the signing key)
  std::string master_key_path;     // $MAILRELAY_MASTER_KEY overrides it
  bool create_if_missing = false;  // `keys init` / quickstart
};

// Opens the local audit log: vault/audit_store.h's SQLCipher store and the keyring's wrapped
// signing key, with the origin stored in the log (DefaultOrigin for a new log).
StatusOr<std::unique_ptr<AuditLog>> OpenLocalAuditLog(const LocalAuditLogOptions& options);

}  // namespace mailrelay::auditlog
