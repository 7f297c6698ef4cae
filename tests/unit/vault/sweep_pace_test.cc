// tests/unit/vault/sweep_pace_test.cc — BatchPacer: the time budget of a batch, the longest
// hold it reports, and the pause after a batch as long as the hold.
#include "vault/sweep_pace.h"

#include <gtest/gtest.h>

#include <thread>

namespace mailrelay::vault {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

TEST(BatchPacerTest, ABatchIsOverBudgetOnceItHasWorkedThatLong) {
  BatchPacer pacer(milliseconds(20));
  pacer.Begin();
  EXPECT_FALSE(pacer.OverBudget());
  std::this_thread::sleep_for(milliseconds(25));
  EXPECT_TRUE(pacer.OverBudget());
}

TEST(BatchPacerTest, CountsBatchesAndKeepsTheLongestHold) {
  BatchPacer pacer(milliseconds(5));
  pacer.Begin();
  std::this_thread::sleep_for(milliseconds(12));
  pacer.End();
  pacer.Begin();
  pacer.End();
  EXPECT_EQ(pacer.batches(), 2);
  EXPECT_GE(pacer.max_hold_us(), 12'000);
  EXPECT_GE(pacer.total_hold_us(), pacer.max_hold_us());
}

// The pause is a short fixed gap (a waiting commit polls every millisecond), not as long as the
// batch held the lock: a long batch must not halve the sweep's rate.
TEST(BatchPacerTest, PausesForTheFixedGapWhateverTheBatchHeld) {
  BatchPacer pacer;
  pacer.Begin();
  std::this_thread::sleep_for(milliseconds(40));
  pacer.End();
  const auto before = Clock::now();
  pacer.Pause();
  const auto paused = Clock::now() - before;
  EXPECT_GE(paused, kSweepPause);
  EXPECT_LT(paused, milliseconds(40));
}

}  // namespace
}  // namespace mailrelay::vault
