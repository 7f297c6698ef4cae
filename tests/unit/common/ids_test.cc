#include "common/ids.h"

#include <gtest/gtest.h>

#include <set>

namespace mailrelay {
namespace {

TEST(IdsTest, IdsAre26CrockfordCharacters) {
  std::string id = NewSortableId();
  ASSERT_EQ(id.size(), 26u);
  for (char c : id)
    EXPECT_NE(std::string("0123456789ABCDEFGHJKMNPQRSTVWXYZ").find(c), std::string::npos);
}

TEST(IdsTest, LaterTimeSortsAfter) {
  EXPECT_LT(NewSortableId(1000), NewSortableId(1001));
  EXPECT_LT(NewSortableId(1700000000000), NewSortableId(1700000000001));
}

TEST(IdsTest, SameMillisecondStillUnique) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(NewSortableId(42));
  EXPECT_EQ(ids.size(), 1000u);
  EXPECT_EQ(NewSortableId(42).substr(0, 10), "000000001A");
}

}  // namespace
}  // namespace mailrelay
