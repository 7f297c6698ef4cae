// auditlog/proof.h — building RFC 9162 inclusion and consistency proofs.
//
//   StatusOr<std::vector<Hash>> p = InclusionProof(store, /*index=*/5, /*size=*/8);
//   // p is PATH(5, D[0:8]) of RFC 9162 §2.1.3.1, nearest sibling first.
//
// Proofs read subtree hashes through HashSource; with cached subtrees that is O(log² n)
// reads. Pure apart from the source; thread-safe if the source is.
#pragma once

#include <cstdint>
#include <vector>

#include "auditlog/hash_source.h"
#include "auditlog/hasher.h"
#include "common/status.h"

namespace mailrelay::auditlog {

// Returns the inclusion proof (audit path) of leaf `index` in the tree of the first `size`
// leaves, RFC 9162 §2.1.3.1, ordered from the leaf's sibling up to the root's child.
// InvalidArgument unless index < size.
StatusOr<std::vector<Hash>> InclusionProof(const HashSource& source, uint64_t index, uint64_t size);

// Returns the consistency proof between the trees of the first `size1` and `size2` leaves,
// RFC 9162 §2.1.4.1 (PROOF(m, D[n]) = SUBPROOF(m, D[n], true)). Empty when size1 == 0 or
// size1 == size2. InvalidArgument if size1 > size2.
StatusOr<std::vector<Hash>> ConsistencyProof(const HashSource& source, uint64_t size1,
                                             uint64_t size2);

}  // namespace mailrelay::auditlog
