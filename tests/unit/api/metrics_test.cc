#include "server/metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace mailrelay::server {
namespace {

bool Has(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(MetricsTest, RendersCountersByOutcome) {
  Metrics m;
  ++m.messages_accepted;
  ++m.messages_accepted;
  ++m.messages_bounced;
  ++m.smtp_connections;
  ++m.smtp_connections_refused;
  m.smtp_sessions_active = 3;
  std::string t = m.Render();
  EXPECT_TRUE(Has(t, "mailrelay_messages_total{outcome=\"accepted\"} 2")) << t;
  EXPECT_TRUE(Has(t, "mailrelay_messages_total{outcome=\"bounced\"} 1"));
  EXPECT_TRUE(Has(t, "mailrelay_messages_total{outcome=\"deferred\"} 0"));
  EXPECT_TRUE(Has(t, "mailrelay_smtp_connections_total 1"));
  EXPECT_TRUE(Has(t, "mailrelay_smtp_connections_refused_total 1"));
  EXPECT_TRUE(Has(t, "mailrelay_smtp_sessions_active 3"));
  EXPECT_TRUE(Has(t, "# TYPE mailrelay_delivery_duration_seconds histogram"));
}

TEST(MetricsTest, SpfChecksAreCountedByResultName) {
  Metrics m;
  ++m.spf_results[static_cast<size_t>(spf::Result::kSoftFail)];
  ++m.spf_results[static_cast<size_t>(spf::Result::kSoftFail)];
  ++m.spf_results[static_cast<size_t>(spf::Result::kTempError)];
  std::string t = m.Render();
  EXPECT_TRUE(Has(t, "# TYPE mailrelay_spf_checks_total counter")) << t;
  EXPECT_TRUE(Has(t, "mailrelay_spf_checks_total{result=\"softfail\"} 2")) << t;
  EXPECT_TRUE(Has(t, "mailrelay_spf_checks_total{result=\"temperror\"} 1"));
  EXPECT_TRUE(Has(t, "mailrelay_spf_checks_total{result=\"pass\"} 0"));
  EXPECT_TRUE(Has(t, "mailrelay_spf_checks_total{result=\"permerror\"} 0"));
}

TEST(MetricsTest, HistogramBucketsAreCumulativeInSeconds) {
  Metrics m;
  m.delivery_latency.Observe(std::chrono::milliseconds(3));   // ≤ 0.005
  m.delivery_latency.Observe(std::chrono::milliseconds(70));  // ≤ 0.1
  m.delivery_ms_total += 2000;                                // ≤ 2.5 (compat path)
  m.delivery_latency.Observe(std::chrono::seconds(100));      // +Inf
  m.vault_commit_us_total += 800;                             // ≤ 0.001
  std::string t = m.Render();
  EXPECT_TRUE(Has(t, "mailrelay_delivery_duration_seconds_bucket{le=\"0.005\"} 1")) << t;
  EXPECT_TRUE(Has(t, "mailrelay_delivery_duration_seconds_bucket{le=\"0.05\"} 1"));
  EXPECT_TRUE(Has(t, "mailrelay_delivery_duration_seconds_bucket{le=\"0.1\"} 2"));
  EXPECT_TRUE(Has(t, "mailrelay_delivery_duration_seconds_bucket{le=\"2.5\"} 3"));
  EXPECT_TRUE(Has(t, "mailrelay_delivery_duration_seconds_bucket{le=\"60\"} 3"));
  EXPECT_TRUE(Has(t, "mailrelay_delivery_duration_seconds_bucket{le=\"+Inf\"} 4"));
  EXPECT_TRUE(Has(t, "mailrelay_delivery_duration_seconds_count 4"));
  EXPECT_TRUE(Has(t, "mailrelay_delivery_duration_seconds_sum 102.073"));
  EXPECT_TRUE(Has(t, "mailrelay_vault_commit_duration_seconds_bucket{le=\"0.0005\"} 0"));
  EXPECT_TRUE(Has(t, "mailrelay_vault_commit_duration_seconds_bucket{le=\"0.001\"} 1"));
  EXPECT_TRUE(Has(t, "mailrelay_vault_commit_duration_seconds_sum 0.0008"));
}

TEST(MetricsTest, ConcurrentObservationsAreAllCounted) {
  Histogram h{10, 100};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h] {
      for (int i = 0; i < 10000; ++i) h.ObserveMicros(static_cast<uint64_t>(i % 200));
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(h.count(), 40000u);
}

}  // namespace
}  // namespace mailrelay::server
