// Expiry partitions' arithmetic (vault/partition_layout.h): which span an expiry falls in, when a
// span has wholly expired, and file names that parse back to exactly what wrote them.
#include "vault/partition_layout.h"

#include <gtest/gtest.h>

namespace mailrelay::vault {
namespace {

// 2026-12-07T00:00:00Z, day 20794 since the epoch.
constexpr int64_t kDec7 = 1'796'601'600'000;

TEST(PartitionLayoutTest, AnExpiryFallsInTheDayByWhoseEndItIsDue) {
  EXPECT_EQ(PartitionFor(kDec7 + 1, 1), (PartitionId{20794, 1}));
  EXPECT_EQ(PartitionFor(kDec7 + kMsPerDay - 1, 1), (PartitionId{20794, 1}));
  // Midnight is the end of the day before: a rounded-down expiry shares its file's end.
  EXPECT_EQ(PartitionFor(kDec7 + kMsPerDay, 1), (PartitionId{20794, 1}));
  EXPECT_EQ(PartitionFor(kDec7, 1), (PartitionId{20793, 1}));
}

TEST(PartitionLayoutTest, SpansAreAlignedOnMultiplesOfTheirLength) {
  EXPECT_EQ(PartitionFor(kDec7, 7), (PartitionId{20790, 7}));  // 20790 = 7 × 2970
  EXPECT_EQ(PartitionFor(kDec7 + 3 * kMsPerDay, 7), (PartitionId{20790, 7}));
  EXPECT_EQ(PartitionFor(kDec7 + 3 * kMsPerDay + 1, 7), (PartitionId{20797, 7}));
}

TEST(PartitionLayoutTest, ExpiredOnlyOnceItsLastPossibleExpiryIsDue) {
  const PartitionId p{20794, 1};
  EXPECT_EQ(PartitionEndMs(p), kDec7 + kMsPerDay);
  EXPECT_FALSE(PartitionExpired(p, kDec7 + kMsPerDay - 1));
  // A record expiring at the end is due then (expires_at_ms <= now).
  EXPECT_TRUE(PartitionExpired(p, kDec7 + kMsPerDay));
}

TEST(PartitionLayoutTest, FileNamesRoundTrip) {
  for (const PartitionId& p :
       {PartitionId{20794, 1}, PartitionId{20790, 7}, PartitionId{0, 1}, PartitionId{20770, 31}}) {
    auto parsed = ParsePartitionFileName(PartitionFileName(p));
    ASSERT_TRUE(parsed.has_value()) << PartitionFileName(p);
    EXPECT_EQ(*parsed, p);
  }
  EXPECT_EQ(PartitionFileName({20794, 1}), "2026-12-07+1.db");
  EXPECT_EQ(PartitionDirName("eu"), "vault-eu.d");
  EXPECT_EQ(PartitionScope("eu", {20794, 1}), "eu/2026-12-07+1");
}

TEST(PartitionLayoutTest, OtherNamesAreNotPartitions) {
  for (const char* name :
       {"2026-12-07+1.db.keycheck", "2026-12-07+1.db-wal", "2026-12-07+1.db.dropping",
        "2026-12-7+1.db", "2026-12-07+01.db", "2026-12-07+0.db", "2026-12-07+32.db",
        "2026-12-08+7.db" /* not aligned on 7 */, "2026-02-30+1.db", "x2026-12-07+1.db", "",
        "vault-eu.db"}) {
    EXPECT_FALSE(ParsePartitionFileName(name).has_value()) << name;
  }
}

}  // namespace
}  // namespace mailrelay::vault
