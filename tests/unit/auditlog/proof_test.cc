#include "auditlog/proof.h"

#include <gtest/gtest.h>

#include "auditlog/memory_tree.h"
#include "naive_tree.h"

namespace mailrelay::auditlog {
namespace {

using namespace testing;

std::vector<std::string> Hexes(const std::vector<Hash>& hs) {
  std::vector<std::string> out;
  for (const Hash& h : hs) out.push_back(ToHex(h));
  return out;
}

std::vector<std::string> Strings(const nlohmann::json& arr) {
  std::vector<std::string> out;
  for (const auto& s : arr) out.push_back(s.get<std::string>());
  return out;
}

MemoryTree TreeOf(const Leaves& leaves) {
  MemoryTree t;
  for (const auto& l : leaves) t.Append(HashLeaf(l));
  return t;
}

TEST(ProofTest, InclusionProofsMatchCertificateTransparencyVectors) {
  const MemoryTree t = TreeOf(CtLeaves());
  const nlohmann::json vectors = CtVectors();
  for (const auto& v : vectors.at("inclusion")) {
    StatusOr<std::vector<Hash>> p = InclusionProof(t, v.at("index"), v.at("size"));
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    EXPECT_EQ(Hexes(*p), Strings(v.at("proof"))) << v.dump();
  }
}

TEST(ProofTest, ConsistencyProofsMatchCertificateTransparencyVectors) {
  const MemoryTree t = TreeOf(CtLeaves());
  const nlohmann::json vectors = CtVectors();
  for (const auto& v : vectors.at("consistency")) {
    StatusOr<std::vector<Hash>> p = ConsistencyProof(t, v.at("size1"), v.at("size2"));
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    EXPECT_EQ(Hexes(*p), Strings(v.at("proof"))) << v.dump();
  }
}

TEST(ProofTest, Rfc6962SectionTwoExamples) {
  const Leaves leaves = CtLeaves();
  const auto ex = CtVectors().at("rfc6962_examples");
  const uint64_t size = ex.at("size");
  const MemoryTree t = TreeOf(Slice(leaves, 0, size));
  auto expected = [&](const nlohmann::json& ranges) {
    std::vector<Hash> out;
    for (const auto& r : ranges) out.push_back(NaiveRoot(Slice(leaves, r[0], r[1])));
    return out;
  };
  for (const auto& v : ex.at("inclusion")) {
    EXPECT_EQ(*InclusionProof(t, v.at("index"), size), expected(v.at("ranges"))) << v.at("name");
  }
  for (const auto& v : ex.at("consistency")) {
    EXPECT_EQ(*ConsistencyProof(t, v.at("size1"), size), expected(v.at("ranges"))) << v.at("name");
  }
}

TEST(ProofTest, EveryInclusionProofUpTo64LeavesMatchesNaivePath) {
  const Leaves leaves = MakeLeaves(64);
  const MemoryTree t = TreeOf(leaves);
  for (uint64_t size = 1; size <= 64; ++size) {
    const Leaves d = Slice(leaves, 0, size);
    for (uint64_t i = 0; i < size; ++i) {
      StatusOr<std::vector<Hash>> p = InclusionProof(t, i, size);
      ASSERT_TRUE(p.ok()) << p.status().ToString();
      ASSERT_EQ(*p, NaivePath(i, d)) << "index " << i << " size " << size;
    }
  }
}

TEST(ProofTest, EveryConsistencyProofUpTo64LeavesMatchesNaiveSubproof) {
  const Leaves leaves = MakeLeaves(64);
  const MemoryTree t = TreeOf(leaves);
  for (uint64_t size2 = 1; size2 <= 64; ++size2) {
    const Leaves d = Slice(leaves, 0, size2);
    for (uint64_t size1 = 0; size1 <= size2; ++size1) {
      StatusOr<std::vector<Hash>> p = ConsistencyProof(t, size1, size2);
      ASSERT_TRUE(p.ok()) << p.status().ToString();
      const std::vector<Hash> want =
          (size1 == 0 || size1 == size2) ? std::vector<Hash>{} : NaiveSubproof(size1, d, true);
      ASSERT_EQ(*p, want) << size1 << " -> " << size2;
    }
  }
}

TEST(ProofTest, BadArgumentsAreInvalidArgument) {
  const MemoryTree t = TreeOf(MakeLeaves(8));
  EXPECT_EQ(InclusionProof(t, 8, 8).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(InclusionProof(t, 0, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ConsistencyProof(t, 5, 4).status().code(), StatusCode::kInvalidArgument);
}

TEST(ProofTest, ProofBeyondTheStoreIsNotFound) {
  const MemoryTree t = TreeOf(MakeLeaves(8));
  EXPECT_EQ(InclusionProof(t, 2, 9).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ConsistencyProof(t, 3, 12).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace mailrelay::auditlog
