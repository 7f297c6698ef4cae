// tests/bench/sweep_bench.cc — retention sweep throughput: fills one region with N records of
// which half are expired, sweeps, and prints records deleted per second, the longest write-lock
// hold of a sweep batch and the commit latency of a concurrent single-record writer (idle vs
// during the sweep); then the capping pass of a shortened policy. Prints numbers; asserts none.
//
//   sweep_bench                                   # 2,000,000 records, 1,000,000 expired
//   MAILRELAY_BENCH_RECORDS=200000 sweep_bench    # quicker
//   MAILRELAY_BENCH_DIR=/mnt/ssd/x sweep_bench    # where the vault files go (default: temp dir)
//   MAILRELAY_BENCH_LAYOUT=oldest sweep_bench     # the expired half is the oldest half (a
//                                                 # region's records share one lifetime); the
//                                                 # default, interleaved, alternates lifetimes
//                                                 # (the worst case: no page empties whole)
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "bench_vault.h"
#include "common/retention.h"
#include "vault/vault.h"

namespace {

using mailrelay::vault::MetadataRecord;
using mailrelay::vault::Vault;
using Clock = std::chrono::steady_clock;

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int64_t kDay = 86'400'000;

// Below it, MAILRELAY_BENCH_LAYOUT=oldest: record n expires on day 1. Unset: even records do.
int64_t g_oldest_below = -1;

bool ExpiresFirst(int64_t n) { return g_oldest_below >= 0 ? n < g_oldest_below : n % 2 == 0; }

// Records that ExpiresFirst expire on day 1, the others on day 30 (sender_ip on day 7).
MetadataRecord Record(int64_t n) {
  const int64_t received = kT0 + n;
  MetadataRecord r = mailrelay::bench::BenchRecord(n, received, "us");
  r.expires_at_ms = received + (ExpiresFirst(n) ? 1 : 30) * kDay;
  if (!ExpiresFirst(n)) r.field_expires_at_ms = {{"sender_ip", received + 7 * kDay}};
  return r;
}

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// Commits one record at a time (a relay's lone transaction) every ~5 ms until `stop`, and
// returns each commit's latency in microseconds.
std::vector<int64_t> WriterLatencies(Vault& vault, int64_t first, std::atomic<bool>& stop) {
  std::vector<int64_t> us;
  for (int64_t n = first; !stop.load(); ++n) {
    std::vector<MetadataRecord> one;
    one.push_back(Record(n | 1));  // expires on day 30 (n is past the oldest half): kept
    auto t = Clock::now();
    if (auto s = vault.Commit(std::move(one)); !s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      break;
    }
    us.push_back(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t).count());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return us;
}

void PrintLatencies(const char* label, std::vector<int64_t> us) {
  if (us.empty()) return;
  std::sort(us.begin(), us.end());
  auto at = [&](double q) {
    return us[static_cast<size_t>(q * static_cast<double>(us.size() - 1))];
  };
  std::printf("writer %s: %zu commits, p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", label, us.size(),
              at(0.5) / 1000.0, at(0.99) / 1000.0, static_cast<double>(us.back()) / 1000.0);
}

}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const char* n_env = std::getenv("MAILRELAY_BENCH_RECORDS");
  const int64_t total = n_env ? std::atoll(n_env) : 2'000'000;
  const char* layout = std::getenv("MAILRELAY_BENCH_LAYOUT");
  if (layout != nullptr && std::string(layout) == "oldest") g_oldest_below = total / 2;
  std::printf("layout: %s\n", g_oldest_below >= 0 ? "oldest half expires" : "interleaved");
  const std::string dir = mailrelay::bench::MakeBenchDir("sweep-bench").path;
  auto opened = mailrelay::bench::OpenBenchVault(dir);
  Vault& vault = *opened;

  auto started = Clock::now();
  constexpr int64_t kBatch = 5'000;
  for (int64_t n = 0; n < total; n += kBatch) {
    std::vector<MetadataRecord> batch;
    for (int64_t i = n; i < std::min(total, n + kBatch); ++i) batch.push_back(Record(i));
    if (auto s = vault.Commit(std::move(batch)); !s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
  }
  std::printf("fill: %lld records in %.1f s (%.0f records/s)\n", static_cast<long long>(total),
              Seconds(started), static_cast<double>(total) / Seconds(started));

  // Sweep as of day 2 under the policy they were written with (30 days, sender_ip 7). A file's
  // first sweep walks every row once to record the lifetimes applied (vault/sweep_cap.h): that
  // one-time walk runs first, as of a time when nothing is due, and is timed on its own.
  mailrelay::RetentionPolicy p30;
  p30.default_lifetimes.record_days = 30;
  p30.default_lifetimes.field_days["sender_ip"] = 7;
  started = Clock::now();
  if (auto first = vault.Sweep(kT0, false, &p30); !first.ok()) {
    std::fprintf(stderr, "%s\n", first.status().ToString().c_str());
    return 1;
  }
  std::printf("first sweep (records the lifetimes applied; nothing due): %.1f s\n",
              Seconds(started));
  // A concurrent writer: its commit latency for 3 s idle, then during the sweep.
  std::atomic<bool> stop{false};
  std::vector<int64_t> idle, during;
  std::thread writer([&] { idle = WriterLatencies(vault, 2 * total, stop); });
  std::this_thread::sleep_for(std::chrono::seconds(3));
  stop = true;
  writer.join();
  stop = false;
  writer = std::thread([&] { during = WriterLatencies(vault, 3 * total, stop); });
  started = Clock::now();
  auto swept = vault.Sweep(kT0 + total + 2 * kDay, false, &p30);
  const double sweep_s = Seconds(started);
  stop = true;
  writer.join();
  if (!swept.ok()) {
    std::fprintf(stderr, "%s\n", swept.status().ToString().c_str());
    return 1;
  }
  const auto& us = (*swept)["us"];
  const int64_t deleted = us.records_deleted;
  std::printf("sweep: %lld of %lld records deleted in %.1f s (%.0f records/s), space freed: %s\n",
              static_cast<long long>(deleted), static_cast<long long>(total), sweep_s,
              static_cast<double>(deleted) / sweep_s, us.space_freed ? "yes" : "no");
  std::printf("sweep batches: %lld, longest write-lock hold %.1f ms\n",
              static_cast<long long>(us.batches),
              static_cast<double>(us.max_batch_hold_us) / 1000.0);
  PrintLatencies("idle", idle);
  PrintLatencies("during sweep", during);

  // An idle sweep (nothing due, policy unchanged): what serve pays every 10 minutes.
  started = Clock::now();
  (void)vault.Sweep(kT0 + total + 2 * kDay, false, &p30);
  std::printf("idle sweep: %.3f s\n", Seconds(started));

  // The policy shortens to 10 days: the capping walk over the remaining records.
  mailrelay::RetentionPolicy p10 = p30;
  p10.default_lifetimes.record_days = 10;
  started = Clock::now();
  auto capped = vault.Sweep(kT0 + total + 2 * kDay, false, &p10);
  if (!capped.ok()) {
    std::fprintf(stderr, "%s\n", capped.status().ToString().c_str());
    return 1;
  }
  const double cap_s = Seconds(started);
  const int64_t n_capped = (*capped)["us"].expiries_capped;
  std::printf("cap to a shorter policy: %lld records capped in %.1f s (%.0f records/s)\n",
              static_cast<long long>(n_capped), cap_s, static_cast<double>(n_capped) / cap_s);
  if (!std::getenv("MAILRELAY_BENCH_DIR")) std::filesystem::remove_all(dir);
  return 0;
}
