// auditlog/compact_range.h — the O(log n) append state of an RFC 6962 tree.
//
// A tree of `size` leaves is covered by at most 64 perfect subtrees, one per bit set in
// `size`, largest (leftmost) first: the "frontier". Appending a leaf merges equal-sized
// subtrees like a binary counter; the root folds the frontier from the right.
//
//   CompactRange range;
//   for (const std::string& e : stored_entries) range.Append(HashLeaf(e));
//   Hash root = range.Root();
//
// Persisting the state: save size() and Frontier(); restore with FromFrontier().
// Not thread-safe; callers serialise appends.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "auditlog/hasher.h"
#include "common/status.h"

namespace mailrelay::auditlog {

class CompactRange {
 public:
  // Called for every perfect subtree completed by an append, including the leaf itself
  // (level 0): the subtree covers leaves [index << level, (index + 1) << level).
  // Lets a store cache subtree hashes for fast proofs.
  using NodeVisitor = std::function<void(unsigned level, uint64_t index, const Hash& hash)>;

  CompactRange() = default;  // the empty tree

  // Returns the range for a tree of `size` leaves from its frontier (largest subtree first).
  // InvalidArgument unless frontier.size() == popcount(size).
  static StatusOr<CompactRange> FromFrontier(uint64_t size, std::vector<Hash> frontier);

  // Appends one leaf hash. `visit`, when set, sees every completed perfect subtree.
  void Append(const Hash& leaf_hash, const NodeVisitor& visit = nullptr);

  uint64_t size() const { return size_; }
  // Returns the perfect subtree roots covering [0, size), largest first.
  const std::vector<Hash>& Frontier() const { return frontier_; }
  // Returns the tree root (EmptyRoot() for size 0).
  Hash Root() const;

 private:
  CompactRange(uint64_t size, std::vector<Hash> frontier)
      : size_(size), frontier_(std::move(frontier)) {}

  uint64_t size_ = 0;
  std::vector<Hash> frontier_;
};

}  // namespace mailrelay::auditlog
