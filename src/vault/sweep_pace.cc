// vault/sweep_pace.cc — see sweep_pace.h and docs/retention.md "Speed and batching".
#include "vault/sweep_pace.h"

#include <algorithm>
#include <thread>

namespace mailrelay::vault {
namespace {

// How far one batch may move the target: one slow fsync (other I/O on the disk) halves the
// next batch at most, and a fast one no more than doubles it.
constexpr double kMinStep = 0.5, kMaxStep = 2.0;

}  // namespace

BatchPacer::BatchPacer(int min_rows, int max_rows, std::chrono::microseconds budget)
    : min_rows_(std::max(1, min_rows)),
      max_rows_(std::max(min_rows_, max_rows)),
      budget_(budget),
      rows_target_(min_rows_) {}

void BatchPacer::Begin() { begun_ = Clock::now(); }

int BatchPacer::RowsThatFit(int rows_so_far, int cap) const {
  if (rows_so_far > 0 && Clock::now() - begun_ >= budget_) return 0;
  return std::clamp(static_cast<int>(rows_target_) - rows_so_far, 0, cap);
}

void BatchPacer::End(int rows) {
  const int64_t held_us =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - begun_).count();
  // A batch that took its whole target says what the target costs, and one that held longer
  // than the budget that it was too many; one that ran out of rows early says nothing.
  if (rows >= static_cast<int>(rows_target_) || held_us > budget_.count()) {
    const double step = std::clamp(
        static_cast<double>(budget_.count()) / static_cast<double>(std::max<int64_t>(held_us, 1)),
        kMinStep, kMaxStep);
    rows_target_ = std::clamp(rows_target_ * step, static_cast<double>(min_rows_),
                              static_cast<double>(max_rows_));
  }
  ++batches_;
  max_hold_us_ = std::max(max_hold_us_, held_us);
}

void BatchPacer::Pause() const { std::this_thread::sleep_for(kSweepPause); }

}  // namespace mailrelay::vault
