// auditlog/hash_source.h — where proof building reads the tree from.
//
// A store implements LeafHash(); it may also override PerfectSubtreeHash() with cached
// subtree hashes (see CompactRange::NodeVisitor), which turns proofs from O(n) into
// O(log² n) reads. Every range asked for lies inside the tree size the caller names, so a
// store only has to answer for leaves it holds.
#pragma once

#include <cstdint>

#include "auditlog/hasher.h"
#include "common/status.h"

namespace mailrelay::auditlog {

class HashSource {
 public:
  virtual ~HashSource() = default;

  // Returns the leaf hash at `index` (0-based), NotFound if the store has no such leaf.
  virtual StatusOr<Hash> LeafHash(uint64_t index) const = 0;

  // Returns the root of the perfect subtree of 2^level leaves that covers
  // [index << level, (index + 1) << level). The default computes it from 2^level leaf
  // hashes; stores with cached subtrees override it.
  virtual StatusOr<Hash> PerfectSubtreeHash(unsigned level, uint64_t index) const;
};

// Returns MTH(D[begin:end]) — the RFC 6962 root of leaves [begin, end). Requires
// begin < end and that [begin, end) is a node of some tree (begin a multiple of the
// smallest power of two >= end - begin), as every range in RFC 9162 proofs is; otherwise
// InvalidArgument.
StatusOr<Hash> SubtreeRoot(const HashSource& source, uint64_t begin, uint64_t end);

// Returns the root of the tree of the first `size` leaves (EmptyRoot() for size 0).
StatusOr<Hash> TreeRoot(const HashSource& source, uint64_t size);

}  // namespace mailrelay::auditlog
