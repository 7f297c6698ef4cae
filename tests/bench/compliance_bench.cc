// tests/bench/compliance_bench.cc — export and erasure of one data subject among many records.
// Prints numbers; asserts none.
//
//   compliance_bench                                   # 10,000 subject records among 1,000,000
//   MAILRELAY_BENCH_RECORDS=100000 MAILRELAY_BENCH_SUBJECT_RECORDS=1000 compliance_bench
//   MAILRELAY_BENCH_DIR=/mnt/ssd/x compliance_bench    # where the files go (default: a temp dir)
//
// Fills a 3-region vault (20 writers × 500-record group commits), the subject's records spread
// evenly through it as sender or recipient in every region; then times, through the same
// ComplianceService the CLI and API use: export (3 runs: blind-index lookup, decrypt, bundle,
// Ed25519 signature, durable audit entry), a dry-run erasure, the erasure itself (deletes,
// secure_delete, incremental vacuum, WAL truncate, two audit entries, signed receipt), and the
// export after it.
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "auditlog/audit_log.h"
#include "bench_vault.h"
#include "compliance/compliance_service.h"
#include "vault/vault.h"

namespace {

using mailrelay::vault::MetadataRecord;
using Clock = std::chrono::steady_clock;

constexpr char kSubject[] = "data.subject@bench.example";
const char* const kRegions[] = {"us", "eu", "ap"};

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoll(v) : fallback;
}

double Ms(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

MetadataRecord Record(int64_t n, bool subject) {
  MetadataRecord r = mailrelay::bench::BenchRecord(n, 1'780'000'000'000 + n, kRegions[n % 3]);
  if (subject) (n / 3) % 2 == 0 ? r.sender = kSubject : r.recipient = kSubject;
  return r;
}

template <typename T>
T Must(mailrelay::StatusOr<T> v, const char* what) {
  if (!v.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, v.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(v).value();
}

}  // namespace

int main() {
  const int64_t total = EnvInt("MAILRELAY_BENCH_RECORDS", 1'000'000);
  const int64_t subject_records = EnvInt("MAILRELAY_BENCH_SUBJECT_RECORDS", 10'000);
  const int64_t stride = std::max<int64_t>(1, total / std::max<int64_t>(1, subject_records));
  const mailrelay::bench::BenchDir bench_dir =
      mailrelay::bench::MakeBenchDir("mailrelay-compliance-bench");
  const std::string& dir = bench_dir.path;
  const std::string key = dir + "/master.key";
  auto vault = mailrelay::bench::OpenBenchVault(dir);
  auto audit = Must(mailrelay::auditlog::OpenLocalAuditLog({dir + "/data", key, true}), "audit");
  auto desk = Must(mailrelay::compliance::ComplianceService::Create(*vault, *audit,
                                                                    {{"purposes", {"benchmark"}}}),
                   "compliance");

  std::printf("compliance_bench: %lld records, %lld of them the subject's, in %s\n",
              static_cast<long long>(total), static_cast<long long>(total / stride), dir.c_str());
  std::atomic<int64_t> next{0};
  auto fill_start = Clock::now();
  std::vector<std::thread> writers;
  for (int w = 0; w < 20; ++w) {
    writers.emplace_back([&] {
      while (true) {
        int64_t first = next.fetch_add(500);
        if (first >= total) return;
        std::vector<MetadataRecord> batch;
        for (int64_t n = first; n < std::min(total, first + 500); ++n) {
          batch.push_back(Record(n, n % stride == 0));
        }
        if (auto s = vault->Commit(std::move(batch)); !s.ok()) {
          std::fprintf(stderr, "commit: %s\n", s.ToString().c_str());
          std::exit(1);
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  const double fill_ms = Ms(fill_start);
  std::printf("fill:     %.1f s, %.0f records/s (durable, group commit)\n", fill_ms / 1000,
              static_cast<double>(total) / (fill_ms / 1000));

  for (int run = 1; run <= 3; ++run) {
    auto tl = Clock::now();
    auto found = Must(vault->FindBySubject(kSubject), "lookup");
    std::printf("lookup:   run %d  %6.0f ms  %zu records (blind index, decrypt and compare)\n", run,
                Ms(tl), found.size());
  }
  for (int run = 1; run <= 3; ++run) {
    auto t0 = Clock::now();
    auto r = Must(desk->Export(kSubject, "cli:bench", "cli"), "export");
    const double ms = Ms(t0);
    std::printf("export:   run %d  %6.0f ms  %llu records  %.1f MB signed document\n", run, ms,
                static_cast<unsigned long long>(r.records), r.envelope.dump().size() / 1e6);
  }
  auto t1 = Clock::now();
  auto dry = Must(desk->Erase(kSubject, "benchmark", "cli:bench", "cli", true), "dry run");
  std::printf("erase:    dry run %6.0f ms  %llu records found\n", Ms(t1),
              static_cast<unsigned long long>(dry.records));
  auto t2 = Clock::now();
  auto erased = Must(desk->Erase(kSubject, "benchmark", "cli:bench", "cli", false), "erase");
  std::printf("erase:    %6.0f ms  %llu records erased, WAL truncated: %s\n", Ms(t2),
              static_cast<unsigned long long>(erased.records),
              erased.envelope["document"]["space_freed"].get<bool>() ? "yes" : "no");
  auto t3 = Clock::now();
  auto after = Must(desk->Export(kSubject, "cli:bench", "cli"), "export after");
  std::printf("export:   after erasure %6.0f ms  %llu records\n", Ms(t3),
              static_cast<unsigned long long>(after.records));
  if (bench_dir.temporary) std::filesystem::remove_all(dir);
  return 0;
}
