// tests/unit/vault/sweep_pace_test.cc — BatchPacer: the rows a batch takes and how the target
// follows the lock hold (COMMIT included) toward the budget; the longest hold it reports; the
// fixed pause after a batch.
#include "vault/sweep_pace.h"

#include <gtest/gtest.h>

#include <thread>

namespace mailrelay::vault {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// A batch of `rows` that holds the lock for `held` (0: returns at once).
void Batch(BatchPacer& pacer, int rows, milliseconds held = milliseconds(0)) {
  pacer.Begin();
  std::this_thread::sleep_for(held);
  pacer.End(rows);
}

TEST(BatchPacerTest, TheFirstBatchTakesTheMinimumAndTheCallersCapBoundsIt) {
  BatchPacer pacer(16, 1000, milliseconds(50));
  pacer.Begin();
  EXPECT_EQ(pacer.RowsThatFit(0, 32), 16);
  EXPECT_EQ(pacer.RowsThatFit(10, 32), 6);
  EXPECT_EQ(pacer.RowsThatFit(0, 4), 4);
  EXPECT_EQ(pacer.RowsThatFit(16, 32), 0);
}

TEST(BatchPacerTest, AQuickFullBatchAtMostDoublesTheTargetUpToTheMaximum) {
  BatchPacer pacer(16, 100, milliseconds(200));
  Batch(pacer, 16);
  EXPECT_EQ(pacer.rows_target(), 32);
  Batch(pacer, 32);
  EXPECT_EQ(pacer.rows_target(), 64);
  Batch(pacer, 64);
  EXPECT_EQ(pacer.rows_target(), 100);
  Batch(pacer, 100);
  EXPECT_EQ(pacer.rows_target(), 100);
}

TEST(BatchPacerTest, ABatchThatHeldTooLongAtMostHalvesTheTargetDownToTheMinimum) {
  BatchPacer pacer(16, 1000, milliseconds(5));
  Batch(pacer, 16);
  Batch(pacer, 32);
  ASSERT_EQ(pacer.rows_target(), 64);
  // Held 4x the budget: the target halves (not quarters) — one slow fsync must not collapse it.
  Batch(pacer, 64, milliseconds(20));
  EXPECT_EQ(pacer.rows_target(), 32);
  // Too long even with fewer rows than the target (a slow step ended it): still too many.
  Batch(pacer, 3, milliseconds(20));
  EXPECT_EQ(pacer.rows_target(), 16);
  Batch(pacer, 16, milliseconds(20));
  EXPECT_EQ(pacer.rows_target(), 16);
}

TEST(BatchPacerTest, ABatchThatRanOutOfRowsQuicklyLeavesTheTarget) {
  BatchPacer pacer(16, 1000, milliseconds(200));
  Batch(pacer, 16);
  ASSERT_EQ(pacer.rows_target(), 32);
  Batch(pacer, 5);
  EXPECT_EQ(pacer.rows_target(), 32);
}

TEST(BatchPacerTest, ABatchThatHasWorkedItsBudgetTakesNoMoreRows) {
  BatchPacer pacer(16, 1000, milliseconds(10));
  pacer.Begin();
  std::this_thread::sleep_for(milliseconds(15));
  EXPECT_EQ(pacer.RowsThatFit(4, 32), 0);
  // ...but a batch always gets its first rows.
  EXPECT_EQ(pacer.RowsThatFit(0, 32), 16);
}

TEST(BatchPacerTest, CountsBatchesAndKeepsTheLongestHold) {
  BatchPacer pacer(16, 1000, milliseconds(5));
  Batch(pacer, 16, milliseconds(12));
  Batch(pacer, 16);
  EXPECT_EQ(pacer.batches(), 2);
  EXPECT_GE(pacer.max_hold_us(), 12'000);
}

// The pause is a short fixed gap (a waiting commit polls every millisecond), not as long as the
// batch held the lock: a long batch must not halve the sweep's rate.
TEST(BatchPacerTest, PausesForTheFixedGapWhateverTheBatchHeld) {
  BatchPacer pacer(16, 1000);
  Batch(pacer, 16, milliseconds(40));
  const auto before = Clock::now();
  pacer.Pause();
  const auto paused = Clock::now() - before;
  EXPECT_GE(paused, kSweepPause);
  EXPECT_LT(paused, milliseconds(40));
}

}  // namespace
}  // namespace mailrelay::vault
