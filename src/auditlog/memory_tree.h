// auditlog/memory_tree.h — an in-memory tree: every perfect subtree hash is kept, so roots
// and proofs for any earlier size take O(log² n) lookups. For tests, benchmarks and as the
// reference for a store's subtree cache. About 2 × 32 bytes per leaf. Not thread-safe.
//
//   MemoryTree tree;
//   tree.Append(HashLeaf(entry));
//   auto proof = InclusionProof(tree, 0, tree.size());
#pragma once

#include <cstdint>
#include <vector>

#include "auditlog/compact_range.h"
#include "auditlog/hash_source.h"

namespace mailrelay::auditlog {

class MemoryTree final : public HashSource {
 public:
  // Appends a leaf hash; returns its index.
  uint64_t Append(const Hash& leaf_hash);

  uint64_t size() const { return range_.size(); }
  // Returns the root of the current tree.
  Hash Root() const { return range_.Root(); }

  StatusOr<Hash> LeafHash(uint64_t index) const override;
  StatusOr<Hash> PerfectSubtreeHash(unsigned level, uint64_t index) const override;

 private:
  CompactRange range_;
  std::vector<std::vector<Hash>> levels_;  // levels_[l][i]: perfect subtree (l, i)
};

}  // namespace mailrelay::auditlog
