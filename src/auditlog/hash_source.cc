#include "auditlog/hash_source.h"

#include <bit>
#include <string>
#include <vector>

namespace mailrelay::auditlog {

StatusOr<Hash> HashSource::PerfectSubtreeHash(unsigned level, uint64_t index) const {
  if (level >= 64 || index > (UINT64_MAX >> level)) {
    return Status::InvalidArgument("perfect subtree out of range");
  }
  if (level == 0) return LeafHash(index);
  // Post-order with an explicit stack of (level, hash): never deeper than level + 1.
  std::vector<std::pair<unsigned, Hash>> stack;
  const uint64_t first = index << level;
  const uint64_t count = uint64_t{1} << level;
  for (uint64_t i = 0; i < count; ++i) {
    MR_ASSIGN_OR_RETURN(Hash h, LeafHash(first + i));
    unsigned l = 0;
    while (!stack.empty() && stack.back().first == l) {
      h = HashChildren(stack.back().second, h);
      stack.pop_back();
      ++l;
    }
    stack.emplace_back(l, h);
  }
  return stack.back().second;
}

StatusOr<Hash> SubtreeRoot(const HashSource& source, uint64_t begin, uint64_t end) {
  if (begin >= end) return Status::InvalidArgument("subtree root: empty range");
  const uint64_t n = end - begin;
  if (begin != 0 && std::countr_zero(begin) < static_cast<int>(std::bit_width(n - 1))) {
    return Status::InvalidArgument("subtree root: [" + std::to_string(begin) + ", " +
                                   std::to_string(end) + ") is not a tree node");
  }
  // [begin, end) splits into perfect subtrees, one per bit of n, largest first; the root
  // folds them from the right (RFC 9162 §2.1.1: the left child is the largest power of 2
  // below n, the right child recurses on the rest).
  std::vector<Hash> parts;
  uint64_t at = begin;
  for (int level = 63; level >= 0; --level) {
    const uint64_t width = uint64_t{1} << level;
    if (!(n & width)) continue;
    MR_ASSIGN_OR_RETURN(Hash h,
                        source.PerfectSubtreeHash(static_cast<unsigned>(level), at >> level));
    parts.push_back(h);
    at += width;
  }
  Hash root = parts.back();
  for (size_t i = parts.size() - 1; i-- > 0;) root = HashChildren(parts[i], root);
  return root;
}

StatusOr<Hash> TreeRoot(const HashSource& source, uint64_t size) {
  if (size == 0) return EmptyRoot();
  return SubtreeRoot(source, 0, size);
}

}  // namespace mailrelay::auditlog
