#include "auditlog/verify.h"

#include <gtest/gtest.h>

#include "auditlog/memory_tree.h"
#include "auditlog/proof.h"
#include "naive_tree.h"

namespace mailrelay::auditlog {
namespace {

using namespace testing;

std::vector<Hash> HashesOf(const nlohmann::json& arr) {
  std::vector<Hash> out;
  for (const auto& s : arr) out.push_back(FromHex(s.get<std::string>()));
  return out;
}

class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    leaves_ = MakeLeaves(64);
    for (const auto& l : leaves_) tree_.Append(HashLeaf(l));
    for (uint64_t n = 0; n <= leaves_.size(); ++n) roots_.push_back(*TreeRoot(tree_, n));
  }
  Leaves leaves_;
  MemoryTree tree_;
  std::vector<Hash> roots_;  // roots_[n]: the tree of the first n leaves
};

TEST_F(VerifyTest, CertificateTransparencyInclusionVectorsVerify) {
  const auto v = CtVectors();
  const Leaves ct = CtLeaves();
  for (const auto& t : v.at("inclusion")) {
    const uint64_t i = t.at("index"), n = t.at("size");
    EXPECT_TRUE(VerifyInclusion(i, n, HashLeaf(ct[i]), HashesOf(t.at("proof")),
                                FromHex(v.at("roots")[n - 1]))
                    .ok())
        << t.dump();
  }
}

TEST_F(VerifyTest, CertificateTransparencyConsistencyVectorsVerify) {
  const auto v = CtVectors();
  for (const auto& t : v.at("consistency")) {
    const uint64_t m = t.at("size1"), n = t.at("size2");
    Status s = VerifyConsistency(m, n, HashesOf(t.at("proof")), FromHex(v.at("roots")[m - 1]),
                                 FromHex(v.at("roots")[n - 1]));
    EXPECT_TRUE(s.ok()) << t.dump() << " " << s.ToString();
  }
}

TEST_F(VerifyTest, EveryInclusionProofUpTo64LeavesVerifiesAndHasPredictedLength) {
  for (uint64_t size = 1; size <= 64; ++size) {
    for (uint64_t i = 0; i < size; ++i) {
      const std::vector<Hash> p = NaivePath(i, Slice(leaves_, 0, size));
      ASSERT_EQ(InclusionProofLength(i, size), p.size()) << i << "/" << size;
      Status s = VerifyInclusion(i, size, HashLeaf(leaves_[i]), p, roots_[size]);
      ASSERT_TRUE(s.ok()) << i << "/" << size << " " << s.ToString();
    }
  }
}

TEST_F(VerifyTest, EveryConsistencyProofUpTo64LeavesVerifiesAndHasPredictedLength) {
  for (uint64_t size2 = 1; size2 <= 64; ++size2) {
    for (uint64_t size1 = 0; size1 <= size2; ++size1) {
      const std::vector<Hash> p = *ConsistencyProof(tree_, size1, size2);
      ASSERT_EQ(ConsistencyProofLength(size1, size2), p.size()) << size1 << "->" << size2;
      Status s = VerifyConsistency(size1, size2, p, roots_[size1], roots_[size2]);
      ASSERT_TRUE(s.ok()) << size1 << "->" << size2 << " " << s.ToString();
    }
  }
}

TEST_F(VerifyTest, FlippingAnyBitOfAnInclusionProofIsARootMismatch) {
  for (uint64_t size : {1u, 2u, 5u, 8u, 13u, 64u}) {
    for (uint64_t i = 0; i < size; ++i) {
      const std::vector<Hash> good = *InclusionProof(tree_, i, size);
      for (size_t k = 0; k < good.size(); ++k) {
        for (int bit : {0, 7, 100, 255}) {
          std::vector<Hash> bad = good;
          bad[k][bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
          Status s = VerifyInclusion(i, size, HashLeaf(leaves_[i]), bad, roots_[size]);
          ASSERT_TRUE(IsRootMismatch(s)) << i << "/" << size << " hash " << k;
        }
      }
      // The wrong leaf, and the right proof against the wrong root.
      EXPECT_TRUE(
          IsRootMismatch(VerifyInclusion(i, size, HashLeaf("not a leaf"), good, roots_[size])));
      EXPECT_TRUE(IsRootMismatch(VerifyInclusion(i, size, HashLeaf(leaves_[i]), good,
                                                 roots_[size == 64 ? 63 : size + 1])));
    }
  }
}

TEST_F(VerifyTest, InclusionProofOfWrongLengthIsInvalidArgumentNotMismatch) {
  const std::vector<Hash> good = *InclusionProof(tree_, 5, 13);
  std::vector<Hash> longer = good;
  longer.push_back(EmptyRoot());
  std::vector<Hash> shorter(good.begin(), good.end() - 1);
  for (const auto& p : {longer, shorter, std::vector<Hash>{}}) {
    Status s = VerifyInclusion(5, 13, HashLeaf(leaves_[5]), p, roots_[13]);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  }
}

TEST_F(VerifyTest, InclusionPreconditionsAreCheckedFirst) {
  EXPECT_EQ(VerifyInclusion(0, 0, HashLeaf(leaves_[0]), {}, EmptyRoot()).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      VerifyInclusion(8, 8, HashLeaf(leaves_[0]), *InclusionProof(tree_, 7, 8), roots_[8]).code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyInclusion(UINT64_MAX, UINT64_MAX, Hash{}, {}, Hash{}).code(),
            StatusCode::kInvalidArgument);
  // The proof for another index of the same length fails as a mismatch.
  EXPECT_TRUE(IsRootMismatch(
      VerifyInclusion(1, 8, HashLeaf(leaves_[0]), *InclusionProof(tree_, 0, 8), roots_[8])));
}

TEST_F(VerifyTest, TamperedConsistencyProofsFail) {
  for (uint64_t size2 : {2u, 7u, 8u, 33u, 64u}) {
    for (uint64_t size1 = 1; size1 < size2; ++size1) {
      const std::vector<Hash> good = *ConsistencyProof(tree_, size1, size2);
      for (size_t k = 0; k < good.size(); ++k) {
        std::vector<Hash> bad = good;
        bad[k][k % 32] ^= 0x40;
        ASSERT_TRUE(
            IsRootMismatch(VerifyConsistency(size1, size2, bad, roots_[size1], roots_[size2])))
            << size1 << "->" << size2 << " hash " << k;
      }
      Hash other = roots_[size1];
      other[3] ^= 1;
      EXPECT_TRUE(IsRootMismatch(VerifyConsistency(size1, size2, good, other, roots_[size2])));
      EXPECT_TRUE(IsRootMismatch(VerifyConsistency(size1, size2, good, roots_[size1], other)));
      std::vector<Hash> longer = good;
      longer.push_back(roots_[1]);
      EXPECT_EQ(VerifyConsistency(size1, size2, longer, roots_[size1], roots_[size2]).code(),
                StatusCode::kInvalidArgument);
    }
  }
}

TEST_F(VerifyTest, ConsistencyEdgeCases) {
  // Equal sizes: empty proof and equal roots.
  EXPECT_TRUE(VerifyConsistency(9, 9, {}, roots_[9], roots_[9]).ok());
  EXPECT_TRUE(IsRootMismatch(VerifyConsistency(9, 9, {}, roots_[9], roots_[8])));
  EXPECT_EQ(VerifyConsistency(9, 9, std::vector<Hash>{roots_[1]}, roots_[9], roots_[9]).code(),
            StatusCode::kInvalidArgument);
  // From the empty tree: empty proof, nothing else to check.
  EXPECT_TRUE(VerifyConsistency(0, 9, {}, EmptyRoot(), roots_[9]).ok());
  EXPECT_EQ(VerifyConsistency(0, 9, std::vector<Hash>{roots_[1]}, EmptyRoot(), roots_[9]).code(),
            StatusCode::kInvalidArgument);
  // Shrinking trees are never consistent.
  EXPECT_EQ(VerifyConsistency(10, 9, {}, roots_[10], roots_[9]).code(),
            StatusCode::kInvalidArgument);
  // A proof between other sizes does not carry over.
  EXPECT_FALSE(VerifyConsistency(3, 7, *ConsistencyProof(tree_, 5, 7), roots_[3], roots_[7]).ok());
}

TEST_F(VerifyTest, RootFromInclusionProofGivesTheTreeRoot) {
  StatusOr<Hash> r =
      RootFromInclusionProof(6, 7, HashLeaf(leaves_[6]), *InclusionProof(tree_, 6, 7));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, roots_[7]);
}

TEST(ProofLengthTest, LargeTreesHaveLogarithmicProofs) {
  EXPECT_EQ(InclusionProofLength(0, uint64_t{1} << 20), 20u);
  EXPECT_EQ(InclusionProofLength((uint64_t{1} << 20) - 1, (uint64_t{1} << 20) + 1), 21u);
  EXPECT_EQ(InclusionProofLength(UINT64_MAX - 1, UINT64_MAX), 63u);  // 63 left siblings
  EXPECT_EQ(ConsistencyProofLength(3, 7), 4u);
  EXPECT_EQ(ConsistencyProofLength(4, 7), 1u);
  EXPECT_EQ(ConsistencyProofLength(6, 7), 3u);
}

}  // namespace
}  // namespace mailrelay::auditlog
