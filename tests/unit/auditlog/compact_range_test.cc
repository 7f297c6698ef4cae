#include "auditlog/compact_range.h"

#include <gtest/gtest.h>

#include <map>
#include <utility>

#include "naive_tree.h"

namespace mailrelay::auditlog {
namespace {

using namespace testing;

TEST(CompactRangeTest, EmptyRangeHasEmptyRoot) {
  CompactRange r;
  EXPECT_EQ(r.size(), 0u);
  EXPECT_EQ(r.Root(), EmptyRoot());
}

TEST(CompactRangeTest, RootsMatchCertificateTransparencyVectors) {
  const auto roots = CtVectors().at("roots");
  const Leaves leaves = CtLeaves();
  CompactRange r;
  for (size_t i = 0; i < leaves.size(); ++i) {
    r.Append(HashLeaf(leaves[i]));
    EXPECT_EQ(ToHex(r.Root()), roots[i].get<std::string>()) << "size " << i + 1;
  }
}

TEST(CompactRangeTest, RootsMatchNaiveMthUpTo300Leaves) {
  const Leaves leaves = MakeLeaves(300);
  CompactRange r;
  for (size_t n = 1; n <= leaves.size(); ++n) {
    r.Append(HashLeaf(leaves[n - 1]));
    ASSERT_EQ(r.Root(), NaiveRoot(Slice(leaves, 0, n))) << "size " << n;
    ASSERT_EQ(r.Frontier().size(), static_cast<size_t>(__builtin_popcountll(n)));
  }
}

TEST(CompactRangeTest, FrontierRoundTripContinuesTheSameTree) {
  const Leaves leaves = MakeLeaves(45);
  CompactRange a;
  for (size_t i = 0; i < 29; ++i) a.Append(HashLeaf(leaves[i]));
  StatusOr<CompactRange> b = CompactRange::FromFrontier(a.size(), a.Frontier());
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  for (size_t i = 29; i < leaves.size(); ++i) b->Append(HashLeaf(leaves[i]));
  EXPECT_EQ(b->Root(), NaiveRoot(leaves));
}

TEST(CompactRangeTest, FrontierWithWrongCountIsRejected) {
  EXPECT_FALSE(CompactRange::FromFrontier(3, {EmptyRoot()}).ok());  // 3 = 0b11 needs two
  EXPECT_FALSE(CompactRange::FromFrontier(0, {EmptyRoot()}).ok());
  EXPECT_TRUE(CompactRange::FromFrontier(0, {}).ok());
}

TEST(CompactRangeTest, VisitorSeesEveryPerfectSubtreeOnce) {
  const Leaves leaves = MakeLeaves(21);
  std::map<std::pair<unsigned, uint64_t>, Hash> seen;
  CompactRange r;
  for (const std::string& leaf : leaves) {
    r.Append(HashLeaf(leaf), [&](unsigned level, uint64_t index, const Hash& h) {
      EXPECT_TRUE(seen.emplace(std::make_pair(level, index), h).second);
    });
  }
  // 21 leaves: 21 + 10 + 5 + 2 + 1 perfect subtrees.
  EXPECT_EQ(seen.size(), 39u);
  for (const auto& [key, hash] : seen) {
    const uint64_t begin = key.second << key.first;
    const uint64_t end = begin + (uint64_t{1} << key.first);
    EXPECT_EQ(hash, NaiveRoot(Slice(leaves, begin, end))) << key.first << "/" << key.second;
  }
}

}  // namespace
}  // namespace mailrelay::auditlog
