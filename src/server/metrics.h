// server/metrics.h — process counters for GET /metrics (Prometheus text format).
// Counters only: no label ever carries personal data.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace mailrelay::server {

struct Metrics {
  std::atomic<uint64_t> smtp_connections{0};
  std::atomic<uint64_t> smtp_connections_refused{0};
  std::atomic<uint64_t> messages_accepted{0};    // 250 after delivery
  std::atomic<uint64_t> messages_bounced{0};     // 5xx after delivery
  std::atomic<uint64_t> messages_deferred{0};    // 4xx after delivery
  std::atomic<uint64_t> delivery_ms_total{0};
  std::atomic<uint64_t> vault_commit_us_total{0};
  std::atomic<int64_t> smtp_sessions_active{0};

  // Returns the counters in the Prometheus text exposition format.
  std::string Render() const;
};

}  // namespace mailrelay::server
