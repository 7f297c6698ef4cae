#include "auditlog/proof.h"

#include <algorithm>
#include <bit>
#include <string>

namespace mailrelay::auditlog {
namespace {

// Returns the largest power of two strictly below n; requires n > 1.
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

}  // namespace

StatusOr<std::vector<Hash>> InclusionProof(const HashSource& source, uint64_t index,
                                           uint64_t size) {
  if (index >= size) {
    return Status::InvalidArgument("inclusion proof: index " + std::to_string(index) +
                                   " is not below tree size " + std::to_string(size));
  }
  // Walk PATH(m, D[begin:end]) from the root down, collecting the sibling at each step;
  // the proof lists them bottom-up.
  std::vector<Hash> proof;
  uint64_t begin = 0;
  uint64_t end = size;
  while (end - begin > 1) {
    const uint64_t mid = begin + SplitPoint(end - begin);
    if (index < mid) {
      MR_ASSIGN_OR_RETURN(Hash h, SubtreeRoot(source, mid, end));
      proof.push_back(h);
      end = mid;
    } else {
      MR_ASSIGN_OR_RETURN(Hash h, SubtreeRoot(source, begin, mid));
      proof.push_back(h);
      begin = mid;
    }
  }
  std::reverse(proof.begin(), proof.end());
  return proof;
}

StatusOr<std::vector<Hash>> ConsistencyProof(const HashSource& source, uint64_t size1,
                                             uint64_t size2) {
  if (size1 > size2) {
    return Status::InvalidArgument("consistency proof: size1 " + std::to_string(size1) +
                                   " is larger than size2 " + std::to_string(size2));
  }
  std::vector<Hash> proof;
  if (size1 == 0 || size1 == size2) return proof;
  // SUBPROOF(m, D[begin:end], whole) top-down; the hashes come out in reverse order.
  uint64_t m = size1;  // counted from `begin`
  uint64_t begin = 0;
  uint64_t end = size2;
  bool whole = true;  // D[begin:begin+m] is the whole old tree (its root is known)
  while (m != end - begin) {
    const uint64_t k = SplitPoint(end - begin);
    if (m <= k) {
      MR_ASSIGN_OR_RETURN(Hash h, SubtreeRoot(source, begin + k, end));
      proof.push_back(h);
      end = begin + k;
    } else {
      MR_ASSIGN_OR_RETURN(Hash h, SubtreeRoot(source, begin, begin + k));
      proof.push_back(h);
      begin += k;
      m -= k;
      whole = false;
    }
  }
  if (!whole) {
    MR_ASSIGN_OR_RETURN(Hash h, SubtreeRoot(source, begin, end));
    proof.push_back(h);
  }
  std::reverse(proof.begin(), proof.end());
  return proof;
}

}  // namespace mailrelay::auditlog
