// tests/bench/vault_bench.cc — vault throughput and lookup latency. Prints numbers; asserts none.
//
//   bench_vault                          # 1,000,000 records for the lookup phase
//   MAILRELAY_BENCH_RECORDS=100000 bench_vault   # quicker
//   MAILRELAY_BENCH_DIR=/mnt/ssd/x bench_vault   # where the vault files go (default: a temp dir)
//   MAILRELAY_BENCH_FIRST_RECEIVED_MS=...        # record n is received then + n * step
//   MAILRELAY_BENCH_STEP_US=...                  # (defaults 1.7e12 = Nov 2023, 2.592 s)
//   MAILRELAY_BENCH_ONLY_REGION=us               # every record into one region (default: all 3)
//
// Phases, each on the same vault (3 regions, synchronous=FULL, i.e. every acknowledged record
// is durable):
//   1. one writer, one record per Commit (each Commit waits for its own fsync);
//   2. 20 writers, one record per Commit (group commit shares the fsyncs);
//   3. 20 writers, 10 records per Commit (a message with several recipients);
//   4. fill to MAILRELAY_BENCH_RECORDS with 20 writers × 500-record batches;
//   5. reopen; time the first FindBySubject (which opens every partition file), then p50/p99 of
//      FindBySubject (blind index, all regions) at that size;
//   6. p50/p99 of history pages (ListMessages: newest 50, the next 50, one route's newest 50).
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench_vault.h"
#include "vault/vault.h"

namespace {

using mailrelay::vault::MetadataRecord;
using mailrelay::vault::Vault;
using Clock = std::chrono::steady_clock;

const char* const kRegions[] = {"us", "eu", "ap"};

std::atomic<int64_t> g_next{0};
const char* g_only_region = nullptr;  // when set, every record goes to this region

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// One record every 2.592 s: 1,000,000 of them span the 30 days of retention, so a lookup probes
// the blind indexes under each of ~30 expiry days (vault/schema.cc v2), as in production.
MetadataRecord Record(int64_t n) {
  static const int64_t first = std::getenv("MAILRELAY_BENCH_FIRST_RECEIVED_MS")
                                   ? std::atoll(std::getenv("MAILRELAY_BENCH_FIRST_RECEIVED_MS"))
                                   : 1'700'000'000'000;
  static const int64_t step_us = std::getenv("MAILRELAY_BENCH_STEP_US")
                                     ? std::atoll(std::getenv("MAILRELAY_BENCH_STEP_US"))
                                     : 2'592'000;
  const int64_t received = first + n * step_us / 1000;
  MetadataRecord r = mailrelay::bench::BenchRecord(n, received, kRegions[n % 3]);
  r.field_expires_at_ms = {{"sender_ip", received + 7LL * 86'400'000}};
  return r;
}

double g_last_cpu_us = 0;  // CPU time (all threads) per record of the last Write
double g_last_kib = 0;     // bytes handed to write(2) per record of the last Write, KiB

// Returns the bytes this process passed to write-like system calls (/proc/self/io wchar).
int64_t BytesWritten() {
  std::FILE* f = std::fopen("/proc/self/io", "r");
  if (f == nullptr) return 0;
  char key[64];
  long long value = 0;
  int64_t out = 0;
  while (std::fscanf(f, "%63s %lld", key, &value) == 2) {
    if (std::string(key) == "wchar:") out = value;
  }
  std::fclose(f);
  return out;
}

// Runs `threads` writers for about `seconds` (or until `total` records), each Commit carrying
// `per_commit` records. Returns records/s.
double Write(Vault& v, int threads, int per_commit, double seconds, int64_t total,
             int64_t* written_out = nullptr) {
  std::atomic<int64_t> written{0};
  std::atomic<bool> failed{false};
  double cpu0 = CpuSeconds();
  int64_t bytes0 = BytesWritten();
  auto start = Clock::now();
  auto deadline = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&] {
      while (Clock::now() < deadline && !failed) {
        int64_t first = g_next.fetch_add(per_commit);
        if (total > 0 && written.load() >= total) break;
        std::vector<MetadataRecord> batch;
        // One Commit = one message: its records share a region (the route's).
        for (int i = 0; i < per_commit; ++i) {
          MetadataRecord r = Record(first + i);
          r.region = g_only_region != nullptr ? g_only_region : kRegions[first % 3];
          batch.push_back(std::move(r));
        }
        mailrelay::Status s = v.Commit(std::move(batch));
        if (!s.ok()) {
          std::fprintf(stderr, "commit failed: %s\n", s.ToString().c_str());
          failed = true;
          return;
        }
        written += per_commit;
      }
    });
  }
  for (auto& t : ts) t.join();
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  if (written_out != nullptr) *written_out = written.load();
  g_last_kib = static_cast<double>(BytesWritten() - bytes0) / 1024.0 /
               static_cast<double>(std::max<int64_t>(1, written.load()));
  g_last_cpu_us =
      (CpuSeconds() - cpu0) * 1e6 / static_cast<double>(std::max<int64_t>(1, written.load()));
  return static_cast<double>(written.load()) / secs;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main() {
  int64_t target = 1'000'000;
  if (const char* e = std::getenv("MAILRELAY_BENCH_RECORDS")) target = std::atoll(e);
  const mailrelay::bench::BenchDir bench_dir = mailrelay::bench::MakeBenchDir("vault-bench");
  const std::string& dir = bench_dir.path;
  const bool temp = bench_dir.temporary;
  auto opened = mailrelay::bench::OpenBenchVault(dir);
  Vault& v = *opened;
  std::printf("vault bench: dir %s, %u hardware threads, synchronous=FULL\n", dir.c_str(),
              std::thread::hardware_concurrency());

  struct Phase {
    const char* name;
    int threads, per_commit;
    double seconds;
    const char* only_region;
  };
  const Phase phases[] = {
      {"1 writer,   1 record/commit,   3 regions", 1, 1, 3.0, nullptr},
      {"20 writers, 1 record/commit,   3 regions", 20, 1, 5.0, nullptr},
      {"20 writers, 1 record/commit,   1 region ", 20, 1, 5.0, "eu"},
      {"20 writers, 10 records/commit, 3 regions", 20, 10, 5.0, nullptr},
      {"20 writers, 10 records/commit, 1 region ", 20, 10, 5.0, "eu"},
  };
  // MAILRELAY_BENCH_ONLY_REGION puts every record, in every phase and the fill, in one region.
  const char* const only_region = std::getenv("MAILRELAY_BENCH_ONLY_REGION");
  for (const Phase& p : phases) {
    g_only_region = only_region != nullptr ? only_region : p.only_region;
    auto before = v.commit_stats();
    double rate = Write(v, p.threads, p.per_commit, p.seconds, 0);
    auto after = v.commit_stats();
    double per_txn =
        static_cast<double>(after.batches - before.batches) /
        static_cast<double>(std::max<uint64_t>(1, after.transactions - before.transactions));
    std::printf(
        "%s: %8.0f records/s  %5.1f commits/txn  %6.1f us CPU/record  %5.1f KiB written/record\n",
        p.name, rate, per_txn, g_last_cpu_us, g_last_kib);
  }
  g_only_region = only_region;

  int64_t have = g_next.load();
  if (have < target) {
    int64_t added = 0;
    double fill = Write(v, 20, 500, 1e9, target - have, &added);
    std::printf(
        "fill to %lld records, 20 writers x 500/commit: %8.0f records/s  %6.1f us CPU/record\n",
        static_cast<long long>(g_next.load()), fill, g_last_cpu_us);
  }
  int64_t n = g_next.load();

  // A partitioned vault opens a partition only when something uses it, so the first lookup after
  // a restart or a quiet spell opens every file: reopen, and time that cold lookup apart.
  opened.reset();
  opened = mailrelay::bench::OpenBenchVault(dir);
  Vault& reopened = *opened;
  auto cold_start = Clock::now();
  if (!reopened.FindBySubject("rcpt0@customer.example").ok()) {
    std::fprintf(stderr, "lookup failed\n");
    return 1;
  }
  std::printf("first FindBySubject after reopening the vault: %.1f ms\n",
              std::chrono::duration<double, std::milli>(Clock::now() - cold_start).count());

  std::mt19937_64 rng(42);
  std::vector<double> one, many, none;
  for (int i = 0; i < 2000; ++i) {
    int64_t k = static_cast<int64_t>(rng() % static_cast<uint64_t>(n));
    auto t0 = Clock::now();
    auto a = reopened.FindBySubject("rcpt" + std::to_string(k) + "@customer.example");
    auto t1 = Clock::now();
    auto b = reopened.FindBySubject("sender" + std::to_string(k % mailrelay::bench::kBenchSenders) +
                                    "@senders.example");
    auto t2 = Clock::now();
    auto c = reopened.FindBySubject("nobody" + std::to_string(k) + "@nowhere.example");
    auto t3 = Clock::now();
    if (!a.ok() || !b.ok() || !c.ok()) {
      std::fprintf(stderr, "lookup failed\n");
      return 1;
    }
    one.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    many.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
    none.push_back(std::chrono::duration<double, std::milli>(t3 - t2).count());
  }
  std::printf("FindBySubject at %lld records (3 regions):\n", static_cast<long long>(n));
  std::printf("  recipient, ~1 record:   p50 %.3f ms  p99 %.3f ms\n", Percentile(one, 0.5),
              Percentile(one, 0.99));
  std::printf("  sender, ~%lld records:    p50 %.3f ms  p99 %.3f ms\n",
              static_cast<long long>(n / mailrelay::bench::kBenchSenders), Percentile(many, 0.5),
              Percentile(many, 0.99));
  std::printf("  unknown address:        p50 %.3f ms  p99 %.3f ms\n", Percentile(none, 0.5),
              Percentile(none, 0.99));
  // History, as `mailrelay messages` and GET /v1/messages page it: the newest 50, then the
  // page after it (a cursor), and the newest 50 of one route (1 in 20 records).
  std::vector<double> first_page, next_page, route_page;
  for (int i = 0; i < 200; ++i) {
    mailrelay::vault::MessageQuery q;
    auto t0 = Clock::now();
    auto a = reopened.ListMessages(q);
    auto t1 = Clock::now();
    if (!a.ok()) {
      std::fprintf(stderr, "history failed: %s\n", a.status().ToString().c_str());
      return 1;
    }
    q.cursor = a->next_cursor;
    auto b = reopened.ListMessages(q);
    auto t2 = Clock::now();
    mailrelay::vault::MessageQuery by_route;
    by_route.route = "route" + std::to_string(i % 20);
    auto c = reopened.ListMessages(by_route);
    auto t3 = Clock::now();
    if (!b.ok() || !c.ok()) {
      std::fprintf(stderr, "history failed\n");
      return 1;
    }
    first_page.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    next_page.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
    route_page.push_back(std::chrono::duration<double, std::milli>(t3 - t2).count());
  }
  std::printf("ListMessages, 50 per page:\n");
  std::printf("  newest page:            p50 %.3f ms  p99 %.3f ms\n", Percentile(first_page, 0.5),
              Percentile(first_page, 0.99));
  std::printf("  next page (cursor):     p50 %.3f ms  p99 %.3f ms\n", Percentile(next_page, 0.5),
              Percentile(next_page, 0.99));
  std::printf("  one route's newest:     p50 %.3f ms  p99 %.3f ms\n", Percentile(route_page, 0.5),
              Percentile(route_page, 0.99));
  uintmax_t bytes = 0, wal = 0;
  // Recursive: expiry partitions are in vault-<region>.d/.
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir + "/data")) {
    if (!e.is_regular_file()) continue;
    std::string name = e.path().filename().string();
    bool is_wal = name.size() > 4 && (name.ends_with("-wal") || name.ends_with("-shm"));
    (is_wal ? wal : bytes) += e.file_size();
  }
  std::printf(
      "vault files: %.1f MiB (%.0f bytes/record incl. indexes), WAL and WAL index: %.1f MiB\n",
      static_cast<double>(bytes) / (1 << 20), static_cast<double>(bytes) / static_cast<double>(n),
      static_cast<double>(wal) / (1 << 20));
  opened.reset();
  if (temp) std::filesystem::remove_all(dir);
  return 0;
}
