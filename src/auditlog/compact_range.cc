#include "auditlog/compact_range.h"

#include <bit>
#include <string>

namespace mailrelay::auditlog {

StatusOr<CompactRange> CompactRange::FromFrontier(uint64_t size, std::vector<Hash> frontier) {
  const auto want = static_cast<size_t>(std::popcount(size));
  if (frontier.size() != want) {
    return Status::InvalidArgument("compact range: a tree of " + std::to_string(size) +
                                   " leaves needs " + std::to_string(want) +
                                   " frontier hashes, got " + std::to_string(frontier.size()));
  }
  return CompactRange(size, std::move(frontier));
}

void CompactRange::Append(const Hash& leaf_hash, const NodeVisitor& visit) {
  Hash node = leaf_hash;
  uint64_t index = size_;  // position of `node` at the current level
  unsigned level = 0;
  if (visit) visit(level, index, node);
  // Each trailing one bit of size_ is a subtree of the same height as `node`: merge them.
  for (uint64_t s = size_; s & 1; s >>= 1) {
    node = HashChildren(frontier_.back(), node);
    frontier_.pop_back();
    ++level;
    index >>= 1;
    if (visit) visit(level, index, node);
  }
  frontier_.push_back(node);
  ++size_;
}

Hash CompactRange::Root() const {
  if (frontier_.empty()) return EmptyRoot();
  Hash root = frontier_.back();
  for (size_t i = frontier_.size() - 1; i-- > 0;) root = HashChildren(frontier_[i], root);
  return root;
}

}  // namespace mailrelay::auditlog
