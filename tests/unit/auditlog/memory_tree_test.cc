#include "auditlog/memory_tree.h"

#include <gtest/gtest.h>

#include "naive_tree.h"

namespace mailrelay::auditlog {
namespace {

using namespace testing;

TEST(MemoryTreeTest, AppendReturnsIndexAndRootFollows) {
  MemoryTree t;
  const Leaves leaves = MakeLeaves(10);
  for (size_t i = 0; i < leaves.size(); ++i) {
    EXPECT_EQ(t.Append(HashLeaf(leaves[i])), i);
    EXPECT_EQ(t.Root(), NaiveRoot(Slice(leaves, 0, i + 1)));
  }
}

TEST(MemoryTreeTest, AnswersCompleteSubtreesOnly) {
  MemoryTree t;
  const Leaves leaves = MakeLeaves(6);
  for (const auto& l : leaves) t.Append(HashLeaf(l));
  EXPECT_EQ(*t.PerfectSubtreeHash(2, 0), NaiveRoot(Slice(leaves, 0, 4)));
  EXPECT_EQ(*t.PerfectSubtreeHash(1, 2), NaiveRoot(Slice(leaves, 4, 6)));
  EXPECT_EQ(t.PerfectSubtreeHash(2, 1).status().code(), StatusCode::kNotFound);  // 4..8
  EXPECT_EQ(t.LeafHash(6).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(*t.LeafHash(5), HashLeaf(leaves[5]));
}

TEST(MemoryTreeTest, OldRootsStayAvailable) {
  MemoryTree t;
  const Leaves leaves = MakeLeaves(70);
  for (const auto& l : leaves) t.Append(HashLeaf(l));
  for (uint64_t n = 0; n <= leaves.size(); ++n) {
    ASSERT_EQ(*TreeRoot(t, n), NaiveRoot(Slice(leaves, 0, n))) << n;
  }
}

}  // namespace
}  // namespace mailrelay::auditlog
