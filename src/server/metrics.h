// server/metrics.h — process metrics for GET /metrics (Prometheus text format).
// Counters, gauges and fixed-bucket histograms, each a relaxed atomic: nothing on the hot path
// takes a lock. No label ever carries personal data.
//
//   ++metrics.messages_accepted;
//   metrics.delivery_latency.Observe(std::chrono::steady_clock::now() - data_ended);
//   metrics.vault_commit_latency.Observe(commit_duration);
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

#include "spf/result.h"

namespace mailrelay::server {

// A Prometheus histogram with fixed upper bounds (in microseconds; rendered in seconds).
// Observe is a handful of relaxed atomic adds.
class Histogram {
 public:
  static constexpr size_t kMaxBuckets = 16;
  // `bounds_us`: ascending upper bounds, at most kMaxBuckets (+Inf is implicit).
  Histogram(std::initializer_list<uint64_t> bounds_us);

  void ObserveMicros(uint64_t us);
  void Observe(std::chrono::steady_clock::duration d) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
    ObserveMicros(us < 0 ? 0 : static_cast<uint64_t>(us));
  }

  // Appends HELP/TYPE and the _bucket (cumulative), _sum (seconds) and _count series.
  void Render(std::string& out, const char* name, const char* help) const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  size_t n_ = 0;
  std::array<uint64_t, kMaxBuckets> bounds_us_{};
  std::array<std::atomic<uint64_t>, kMaxBuckets + 1> buckets_{};  // per bucket, not cumulative
  std::atomic<uint64_t> sum_us_{0};
  std::atomic<uint64_t> count_{0};
};

// `total += value` feeds a histogram: keeps older callers (`delivery_ms_total += ms`) working
// while they move to Histogram::Observe.
class ObservingTotal {
 public:
  ObservingTotal(Histogram& h, uint64_t micros_per_unit) : h_(h), scale_(micros_per_unit) {}
  ObservingTotal& operator+=(uint64_t value) {
    h_.ObserveMicros(value * scale_);
    return *this;
  }

 private:
  Histogram& h_;
  uint64_t scale_;
};

// The vault's group-commit counters (vault::Vault::commit_stats): their ratio is how many
// Commit calls shared each transaction and its fsync.
struct VaultCommitCounts {
  uint64_t transactions = 0;
  uint64_t batches = 0;
};

struct Metrics {
  std::atomic<uint64_t> smtp_connections{0};          // accepted
  std::atomic<uint64_t> smtp_connections_refused{0};  // refused at accept (limits, shutdown)
  std::atomic<uint64_t> messages_accepted{0};         // 250 after delivery
  std::atomic<uint64_t> messages_bounced{0};          // 5xx after delivery
  std::atomic<uint64_t> messages_deferred{0};         // 4xx after delivery
  std::atomic<int64_t> smtp_sessions_active{0};
  // SPF checks by result, indexed by spf::Result (only when spf.enabled).
  std::array<std::atomic<uint64_t>, spf::kResultCount> spf_results{};

  // End of DATA → the reply is ready (endpoint answer and vault commit included).
  Histogram delivery_latency{5'000,      10'000,     25'000,    50'000,    100'000,
                             250'000,    500'000,    1'000'000, 2'500'000, 5'000'000,
                             10'000'000, 30'000'000, 60'000'000};
  // Vault::Commit until the records are durable (group commit wait included).
  Histogram vault_commit_latency{250,    500,    1'000,   2'500,   5'000,     10'000,
                                 25'000, 50'000, 100'000, 250'000, 1'000'000, 5'000'000};

  // Compatibility: milliseconds / microseconds added here land in the histograms above.
  ObservingTotal delivery_ms_total{delivery_latency, 1000};
  ObservingTotal vault_commit_us_total{vault_commit_latency, 1};

  // Returns every metric in the Prometheus text exposition format (version 0.0.4), with the
  // vault's commit counters when given.
  std::string Render(std::optional<VaultCommitCounts> vault = std::nullopt) const;
};

}  // namespace mailrelay::server
