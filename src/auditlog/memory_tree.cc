#include "auditlog/memory_tree.h"

#include <string>

namespace mailrelay::auditlog {

uint64_t MemoryTree::Append(const Hash& leaf_hash) {
  const uint64_t index = range_.size();
  range_.Append(leaf_hash, [this](unsigned level, uint64_t, const Hash& h) {
    if (levels_.size() <= level) levels_.resize(level + 1);
    levels_[level].push_back(h);  // completed in index order at every level
  });
  return index;
}

StatusOr<Hash> MemoryTree::LeafHash(uint64_t index) const { return PerfectSubtreeHash(0, index); }

StatusOr<Hash> MemoryTree::PerfectSubtreeHash(unsigned level, uint64_t index) const {
  if (level >= levels_.size() || index >= levels_[level].size()) {
    return Status::NotFound("memory tree: no complete subtree at level " + std::to_string(level) +
                            ", index " + std::to_string(index));
  }
  return levels_[level][index];
}

}  // namespace mailrelay::auditlog
