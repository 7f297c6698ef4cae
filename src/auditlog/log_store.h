// auditlog/log_store.h — where the audit log keeps its entries, subtree hashes and signed
// heads. AuditLog (audit_log.h) owns the logic; a LogStore only stores and reads back, so a
// shared single-writer backend (e.g. PostgreSQL) can replace the local SQLCipher file
// (vault/audit_store.h) without touching the log.
//
// Contract for an implementation:
// - Append-only. Nothing stored is ever updated or deleted; there is no call to do so.
// - Write() runs its body in ONE exclusive write transaction across every process sharing the
//   store (SQLite: BEGIN IMMEDIATE), and returns OK only once the transaction is durable
//   (synchronous=FULL). If the body fails, nothing it wrote is kept.
// - Inside Write(), reads through the LogWriteTxn (including its HashSource methods) see
//   what the body wrote so far.
// - The generation is the number of heads stored: each Write that appends puts exactly one
//   head, so a process that caches the tree state notices another process's batch by a
//   changed generation.
// - Reads outside Write() see committed data only; since nothing is ever changed, a read at a
//   size no larger than a committed head's size is stable.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "auditlog/hash_source.h"
#include "auditlog/hasher.h"
#include "common/status.h"

namespace mailrelay::auditlog {

// One signed tree head as stored, with the state needed to append after it.
struct StoredHead {
  uint64_t generation = 0;     // 1, 2, … (0: the store holds no head yet)
  uint64_t size = 0;           // leaves covered
  Hash root{};                 // MTH of those leaves
  std::vector<Hash> frontier;  // CompactRange::Frontier() at `size`
  std::string checkpoint;      // the signed note (auditlog/checkpoint.h)
  int64_t created_at_ms = 0;
};

struct StoredLeaf {
  std::string entry;  // canonical entry bytes (auditlog/entry.h)
  Hash leaf_hash{};   // HashLeaf(entry)
};

// A completed perfect subtree (CompactRange::NodeVisitor), level >= 1: leaf hashes are kept
// with the leaves.
struct SubtreeHash {
  unsigned level = 0;
  uint64_t index = 0;
  Hash hash{};
};

// The view of the store inside one write transaction. HashSource reads see pending writes.
class LogWriteTxn : public HashSource {
 public:
  // Returns the current generation (cheap; the cached state is reloaded when it moved).
  virtual StatusOr<uint64_t> Generation() = 0;
  // Returns the latest head (generation 0 and size 0 when there is none).
  virtual StatusOr<StoredHead> LatestHead() = 0;
  // Appends `leaves` at indexes first, first + 1, …; `first` must be the latest head's size.
  virtual Status AppendLeaves(uint64_t first, const std::vector<StoredLeaf>& leaves) = 0;
  // Stores subtree hashes (idempotent for equal values).
  virtual Status PutSubtrees(const std::vector<SubtreeHash>& nodes) = 0;
  // Stores `head` as the next generation (head.generation must be Generation() + 1).
  virtual Status PutHead(const StoredHead& head) = 0;
  // Stores a write-once setting (e.g. the origin); kAlreadyExists if it differs from a stored one.
  virtual Status PutSetting(const std::string& name, const std::string& value) = 0;
};

class LogStore : public HashSource {
 public:
  // Runs `body` in one exclusive, durable write transaction (see the contract above).
  virtual Status Write(const std::function<Status(LogWriteTxn&)>& body) = 0;

  // Returns the latest committed head (generation 0 when none).
  virtual StatusOr<StoredHead> LatestHead() = 0;
  // Returns the head that covers exactly `size` leaves, if one was signed at that size.
  virtual StatusOr<std::optional<StoredHead>> HeadForSize(uint64_t size) = 0;
  // Returns up to `limit` stored entries from index `from`, in index order.
  virtual StatusOr<std::vector<std::string>> ReadEntries(uint64_t from, size_t limit) = 0;
  // Returns a write-once setting, nullopt if it was never stored.
  virtual StatusOr<std::optional<std::string>> Setting(const std::string& name) = 0;
  // Returns the number of stored leaves (for checks on open; equals the latest head's size).
  virtual StatusOr<uint64_t> LeafCount() = 0;
};

}  // namespace mailrelay::auditlog
