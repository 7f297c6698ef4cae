// auditlog/verify.h — pure RFC 9162 proof verification (§2.1.3.2 inclusion, §2.1.4.2
// consistency). No I/O, thread-safe.
//
//   Status s = VerifyInclusion(index, size, HashLeaf(entry), proof, checkpoint.root);
//   if (IsRootMismatch(s)) { /* well-formed proof, different tree: evidence of tampering */ }
//
// Every precondition and proof length is checked before any hashing: a malformed input is
// InvalidArgument naming what is wrong. A well-formed proof that leads to a different root
// is DataLoss and only that (IsRootMismatch).
#pragma once

#include <cstdint>
#include <span>

#include "auditlog/hasher.h"
#include "common/status.h"

namespace mailrelay::auditlog {

// Returns the number of hashes in the inclusion proof of `index` in a tree of `size`
// leaves. Requires index < size.
uint64_t InclusionProofLength(uint64_t index, uint64_t size);

// Returns the number of hashes in the consistency proof from `size1` to `size2` leaves.
// Requires size1 <= size2 (0 when size1 is 0 or equals size2).
uint64_t ConsistencyProofLength(uint64_t size1, uint64_t size2);

// Returns the root implied by an inclusion proof. InvalidArgument unless index < size and
// the proof has exactly InclusionProofLength(index, size) hashes.
StatusOr<Hash> RootFromInclusionProof(uint64_t index, uint64_t size, const Hash& leaf_hash,
                                      std::span<const Hash> proof);

// Returns OK if `proof` shows the leaf with `leaf_hash` at `index` in the tree of `size`
// leaves whose root is `root`. Requires 0 <= index < size (else InvalidArgument); a wrong
// proof length is InvalidArgument; a different root is DataLoss (IsRootMismatch).
Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                       std::span<const Hash> proof, const Hash& root);

// Returns OK if `proof` shows the tree of `size1` leaves with root `root1` is a prefix of the
// tree of `size2` leaves with root `root2`. Requires size1 <= size2. size1 == size2 needs an
// empty proof and equal roots; size1 == 0 needs an empty proof (the empty tree is a prefix of
// every tree). Wrong lengths are InvalidArgument; a root that does not match is DataLoss.
Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const Hash> proof,
                         const Hash& root1, const Hash& root2);

// Returns true if `status` is the root-mismatch error of the functions above.
bool IsRootMismatch(const Status& status);

}  // namespace mailrelay::auditlog
