#include "auditlog/verify.h"

#include <bit>
#include <string>
#include <vector>

namespace mailrelay::auditlog {
namespace {

std::string Num(uint64_t v) { return std::to_string(v); }

Status RootMismatch(std::string_view what, const Hash& calculated, const Hash& expected) {
  return Status::DataLoss(std::string(what) + ": root mismatch: the proof leads to " +
                          ToHex(calculated) + ", expected " + ToHex(expected));
}

Status LengthError(std::string_view what, size_t got, uint64_t want) {
  return Status::InvalidArgument(std::string(what) + ": proof has " + Num(got) +
                                 " hashes, expected " + Num(want));
}

}  // namespace

uint64_t InclusionProofLength(uint64_t index, uint64_t size) {
  // Below the highest bit where index and the last leaf (size - 1) differ, the path runs
  // through complete subtrees: one sibling per level. Above it the path follows the right
  // edge, which has a left sibling exactly where index has a one bit.
  const auto inner = static_cast<unsigned>(std::bit_width(index ^ (size - 1)));
  return inner + static_cast<uint64_t>(std::popcount(inner >= 64 ? 0 : index >> inner));
}

uint64_t ConsistencyProofLength(uint64_t size1, uint64_t size2) {
  if (size1 == 0 || size1 == size2) return 0;
  // The old tree's last perfect subtree (2^level leaves) is where the proof starts: an
  // inclusion path of that node in the new tree seen at that level, plus the node itself
  // unless it is the whole old tree.
  const auto level = static_cast<unsigned>(std::countr_zero(size1));
  const uint64_t node = (size1 - 1) >> level;
  const uint64_t nodes = ((size2 - 1) >> level) + 1;
  return InclusionProofLength(node, nodes) + (node == 0 ? 0 : 1);
}

StatusOr<Hash> RootFromInclusionProof(uint64_t index, uint64_t size, const Hash& leaf_hash,
                                      std::span<const Hash> proof) {
  if (index >= size) {
    return Status::InvalidArgument("inclusion proof: index " + Num(index) +
                                   " is not below tree size " + Num(size));
  }
  const uint64_t want = InclusionProofLength(index, size);
  if (proof.size() != want) return LengthError("inclusion proof", proof.size(), want);

  // RFC 9162 §2.1.3.2, steps 2–5.
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) return Status::InvalidArgument("inclusion proof: too many hashes");
    if ((fn & 1) || fn == sn) {
      r = HashChildren(p, r);
      if (!(fn & 1)) {
        while (fn != 0 && !(fn & 1)) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = HashChildren(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Status::InvalidArgument("inclusion proof: too few hashes");
  return r;
}

Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                       std::span<const Hash> proof, const Hash& root) {
  MR_ASSIGN_OR_RETURN(Hash got, RootFromInclusionProof(index, size, leaf_hash, proof));
  if (got != root) return RootMismatch("inclusion proof", got, root);
  return Status::Ok();
}

Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const Hash> proof,
                         const Hash& root1, const Hash& root2) {
  if (size1 > size2) {
    return Status::InvalidArgument("consistency proof: size1 " + Num(size1) +
                                   " is larger than size2 " + Num(size2));
  }
  const uint64_t want = ConsistencyProofLength(size1, size2);
  if (proof.size() != want) return LengthError("consistency proof", proof.size(), want);
  if (size1 == size2) {
    if (root1 != root2) return RootMismatch("consistency proof (equal sizes)", root1, root2);
    return Status::Ok();
  }
  if (size1 == 0) return Status::Ok();

  // RFC 9162 §2.1.4.2. Step 2: a power-of-two old tree is itself the first node.
  std::vector<Hash> path;
  path.reserve(proof.size() + 1);
  if (std::has_single_bit(size1)) path.push_back(root1);
  path.insert(path.end(), proof.begin(), proof.end());

  uint64_t fn = size1 - 1;
  uint64_t sn = size2 - 1;
  while (fn & 1) {  // step 4
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0];  // step 5
  Hash sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {  // step 6
    const Hash& c = path[i];
    if (sn == 0) return Status::InvalidArgument("consistency proof: too many hashes");
    if ((fn & 1) || fn == sn) {
      fr = HashChildren(c, fr);
      sr = HashChildren(c, sr);
      if (!(fn & 1)) {
        while (fn != 0 && !(fn & 1)) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = HashChildren(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Status::InvalidArgument("consistency proof: too few hashes");  // step 7
  if (fr != root1) return RootMismatch("consistency proof (old tree)", fr, root1);
  if (sr != root2) return RootMismatch("consistency proof (new tree)", sr, root2);
  return Status::Ok();
}

bool IsRootMismatch(const Status& status) { return status.code() == StatusCode::kDataLoss; }

}  // namespace mailrelay::auditlog
