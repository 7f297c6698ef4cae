// vault/sweep_pace.cc — see sweep_pace.h and docs/retention.md "Speed and batching".
#include "vault/sweep_pace.h"

#include <algorithm>
#include <thread>

namespace mailrelay::vault {

void BatchPacer::Begin() { begun_ = Clock::now(); }

bool BatchPacer::OverBudget() const { return Clock::now() - begun_ >= budget_; }

void BatchPacer::End() {
  const int64_t held_us =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - begun_).count();
  ++batches_;
  total_hold_us_ += held_us;
  max_hold_us_ = std::max(max_hold_us_, held_us);
}

void BatchPacer::Pause() const { std::this_thread::sleep_for(kSweepPause); }

}  // namespace mailrelay::vault
