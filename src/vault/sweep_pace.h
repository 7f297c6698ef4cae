// vault/sweep_pace.h — the pacing of a maintenance pass that writes in many short transactions:
// a batch stops after a time budget of work, then pauses briefly so a waiting writer (serve's
// group commit) gets in. Internal to vault/ (sweep.cc, sweep_cap.cc).
#pragma once

#include <chrono>
#include <cstdint>

namespace mailrelay::vault {

// A batch stops taking more rows once it has worked this long (the write lock is held until its
// COMMIT, which adds the WAL write and fsync on top). 4 ms rather than 8: a waiting commit's p99
// 34 ms instead of 46-50 (the 50 ms bound of issue #6), for ~20 % of the rate (sweep_bench, 400k).
inline constexpr std::chrono::milliseconds kSweepBatchBudget{4};
// The pause between two batches: long enough for a commit waiting on the lock to take it (the
// vault's busy handler polls every millisecond, vault/store_file.cc), short enough to keep the
// sweep's duty cycle high.
inline constexpr std::chrono::microseconds kSweepPause{2000};

// Times one batch at a time; keeps the longest lock hold and the count of batches.
class BatchPacer {
 public:
  explicit BatchPacer(std::chrono::milliseconds budget = kSweepBatchBudget) : budget_(budget) {}
  // Call right after BEGIN IMMEDIATE.
  void Begin();
  // True once the current batch has worked for its budget.
  bool OverBudget() const;
  // Call right after COMMIT: records the hold.
  void End();
  // Sleeps kSweepPause.
  void Pause() const;

  int64_t batches() const { return batches_; }
  // The longest BEGIN IMMEDIATE → COMMIT of any batch, in microseconds.
  int64_t max_hold_us() const { return max_hold_us_; }
  int64_t total_hold_us() const { return total_hold_us_; }

 private:
  using Clock = std::chrono::steady_clock;
  std::chrono::milliseconds budget_;
  Clock::time_point begun_{};
  int64_t batches_ = 0, max_hold_us_ = 0, total_hold_us_ = 0;
};

}  // namespace mailrelay::vault
