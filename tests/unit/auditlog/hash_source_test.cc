#include "auditlog/hash_source.h"

#include <gtest/gtest.h>

#include "naive_tree.h"

namespace mailrelay::auditlog {
namespace {

using namespace testing;

// A store that only knows leaf hashes: the default PerfectSubtreeHash computes the rest.
class LeafOnlySource : public HashSource {
 public:
  explicit LeafOnlySource(const Leaves& leaves) {
    for (const auto& l : leaves) hashes_.push_back(HashLeaf(l));
  }
  StatusOr<Hash> LeafHash(uint64_t index) const override {
    ++reads;
    if (index >= hashes_.size()) return Status::NotFound("no leaf " + std::to_string(index));
    return hashes_[index];
  }
  mutable uint64_t reads = 0;

 private:
  std::vector<Hash> hashes_;
};

TEST(HashSourceTest, DefaultPerfectSubtreeHashReadsExactlyItsLeaves) {
  const Leaves leaves = MakeLeaves(40);
  LeafOnlySource src(leaves);
  for (unsigned level = 0; level <= 5; ++level) {
    for (uint64_t i = 0; ((i + 1) << level) <= leaves.size(); ++i) {
      src.reads = 0;
      StatusOr<Hash> h = src.PerfectSubtreeHash(level, i);
      ASSERT_TRUE(h.ok());
      EXPECT_EQ(*h, NaiveRoot(Slice(leaves, i << level, (i + 1) << level)));
      EXPECT_EQ(src.reads, uint64_t{1} << level);
    }
  }
}

TEST(HashSourceTest, MissingLeafIsReportedNotInvented) {
  LeafOnlySource src(MakeLeaves(5));
  EXPECT_EQ(src.PerfectSubtreeHash(3, 0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(TreeRoot(src, 6).status().code(), StatusCode::kNotFound);
}

TEST(HashSourceTest, TreeRootOfEveryPrefixMatchesNaive) {
  const Leaves leaves = MakeLeaves(33);
  LeafOnlySource src(leaves);
  for (uint64_t n = 0; n <= leaves.size(); ++n) {
    EXPECT_EQ(*TreeRoot(src, n), NaiveRoot(Slice(leaves, 0, n))) << n;
  }
}

TEST(HashSourceTest, SubtreeRootRejectsUnalignedAndEmptyRanges) {
  LeafOnlySource src(MakeLeaves(16));
  EXPECT_FALSE(SubtreeRoot(src, 3, 3).ok());
  EXPECT_FALSE(SubtreeRoot(src, 2, 5).ok());  // 3 leaves need a start at a multiple of 4
  EXPECT_FALSE(SubtreeRoot(src, 1, 3).ok());  // 2 leaves need an even start
  EXPECT_TRUE(SubtreeRoot(src, 4, 7).ok());
  EXPECT_TRUE(SubtreeRoot(src, 5, 6).ok());
}

}  // namespace
}  // namespace mailrelay::auditlog
