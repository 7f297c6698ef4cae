// vault/sweep_pace.h — the pacing of a maintenance pass that writes in many short transactions:
// each batch takes only as many rows as fit a time budget, its COMMIT included, then the pass
// pauses briefly so a waiting writer (serve's group commit) gets in. Internal to vault/.
#pragma once

#include <chrono>
#include <cstdint>

namespace mailrelay::vault {

// How long a batch may hold the write lock, BEGIN IMMEDIATE to the end of COMMIT: roughly what a
// commit queued behind it waits (a slow fsync or a WAL restart can still exceed it). The COMMIT
// counts because it is most of the hold: it encrypts and writes every page the batch dirtied.
// sweep_bench (400k, quiet): 4 ms of work alone held ~20 ms, writer wait p50 12 ms, p99 31-36 ms,
// 11,600-14,500 records/s; 8 ms of hold: p50 5.5 ms, p99 24-25 ms, 9,100-10,100 records/s; 4 ms
// of hold: p50 1.6 ms, p99 19 ms, but 6,200 records/s (the fsync per batch dominates).
inline constexpr std::chrono::milliseconds kSweepBatchBudget{8};
// A vacuum batch's budget: one `PRAGMA incremental_vacuum(n)` cannot end early when a commit
// waits (a row batch ends after its step), and its COMMIT writes ~3 pages per page moved, so a
// commit that arrives waits for the whole batch. Issue #6's relay benchmark (400k records in the
// relay's region, 1,000 messages/s): 8 ms gave the relay's vault commits p99 18-22 ms during
// the vacuum (>1,100 over 8 ms); 3 ms gave 13-14 ms (112-152 over 8 ms), in ~2.5x the batches.
inline constexpr std::chrono::milliseconds kVacuumBatchBudget{3};
// The pause between two batches: long enough for a commit waiting on the lock to take it (the
// vault's busy handler polls every millisecond, vault/store_file.cc), short enough to keep the
// sweep's duty cycle high.
inline constexpr std::chrono::microseconds kSweepPause{2000};

// Times one batch at a time and sizes the next: a batch takes a target number of rows, and the
// target moves after each batch by budget / hold, so the hold (work plus COMMIT, whose cost is
// mostly per page written, partly a fixed fsync) settles at the budget. Keeps the longest lock
// hold and the count of batches.
class BatchPacer {
 public:
  // Rows a batch takes: from `min_rows` (a fsync slower than the budget still leaves the pass
  // this much progress per batch) to `max_rows`; the first takes `min_rows`.
  explicit BatchPacer(int min_rows, int max_rows,
                      std::chrono::microseconds budget = kSweepBatchBudget);
  // Call right after BEGIN IMMEDIATE.
  void Begin();
  // How many more rows (at most `cap`) the current batch takes, `rows_so_far` already taken: up
  // to the target, and none once the batch has worked the whole budget (a step that was slower
  // than the rows before it).
  int RowsThatFit(int rows_so_far, int cap) const;
  // Call right after COMMIT, with the rows the batch wrote: records the hold and, if the batch
  // took its whole target or held too long, moves the target.
  void End(int rows);
  // Sleeps kSweepPause.
  void Pause() const;

  int rows_target() const { return static_cast<int>(rows_target_); }
  int64_t batches() const { return batches_; }
  // The longest BEGIN IMMEDIATE → COMMIT of any batch, in microseconds.
  int64_t max_hold_us() const { return max_hold_us_; }

 private:
  using Clock = std::chrono::steady_clock;

  const int min_rows_, max_rows_;
  const std::chrono::microseconds budget_;
  Clock::time_point begun_{};
  double rows_target_;
  int64_t batches_ = 0, max_hold_us_ = 0;
};

}  // namespace mailrelay::vault
