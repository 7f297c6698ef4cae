// audit_store_bench — the audit log on its real SQLCipher store (audit.db, synchronous=FULL):
//   1. durable appends/s with 1, 8, 32 and 128 concurrent appenders (group commit: one
//      transaction and one signed checkpoint per batch);
//   2. a fill to N entries (default 1,000,000) in batches of 4096;
//   3. inclusion and consistency proof times at that size (p50 / p99 over 2000 random proofs,
//      through the stored subtree hashes), each proof also verified.
// Numbers only, never asserted.
//
//   audit_store_bench [--entries N] [--seconds S] [--dir DIR]
#include <sys/stat.h>
#include <time.h>

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

#include "auditlog/audit_log.h"
#include "auditlog/verify.h"
#include "keyring/master_key.h"

using namespace mailrelay;
using namespace mailrelay::auditlog;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

AuditEvent Event(uint64_t i) {
  return {"api:token-17",
          "records.read",
          {{"what", "messages"},
           {"records", i % 50},
           {"filters", {{"route", "ok"}, {"since_ms", 1732770000000 + static_cast<int64_t>(i)}}},
           {"via", "api"}}};
}

// Thread CPU time in seconds: excludes time this thread was preempted (the VM is shared).
double CpuNow() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

void Die(const Status& s, const char* what) {
  std::fprintf(stderr, "%s: %s\n", what, s.message().c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t entries = 1000000;
  double seconds = 3;
  std::string dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--entries") entries = std::stoull(argv[i + 1]);
    if (a == "--seconds") seconds = std::stod(argv[i + 1]);
    if (a == "--dir") dir = argv[i + 1];
  }
  if (dir.empty()) {
    char tmpl[] = "/tmp/audit-bench-XXXXXX";
    dir = ::mkdtemp(tmpl);
  }
  std::filesystem::create_directories(dir);
  ::unsetenv(keyring::kMasterKeyEnv);
  if (!std::filesystem::exists(dir + "/master.key")) {
    if (Status s = keyring::CreateMasterKeyFile(dir + "/master.key"); !s.ok()) Die(s, "master key");
  }
  auto opened = OpenLocalAuditLog({dir, dir + "/master.key", true});
  if (!opened.ok()) Die(opened.status(), "open");
  AuditLog& log = **opened;
  std::printf("audit_store_bench: %s (SQLCipher, WAL, synchronous=FULL)\n", dir.c_str());

  // 1. Durable appends/s by concurrency.
  for (int writers : {1, 8, 32, 128}) {
    auto before = log.stats();
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> done{0};
    std::vector<std::thread> threads;
    auto t0 = Clock::now();
    for (int w = 0; w < writers; ++w) {
      threads.emplace_back([&, w] {
        uint64_t i = static_cast<uint64_t>(w) << 32;
        while (!stop.load()) {
          auto r = log.Append(Event(i++));
          if (!r.ok()) Die(r.status(), "append");
          done++;
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& t : threads) t.join();
    double s = Seconds(t0, Clock::now());
    auto after = log.stats();
    uint64_t tx = after.transactions - before.transactions;
    std::printf(
        "  %3d appenders: %8.0f durable appends/s, %6.0f checkpoints/s, %6.1f entries/batch\n",
        writers, done / s, tx / s, tx ? static_cast<double>(done) / tx : 0.0);
  }

  // 2. Fill.
  auto head = log.Latest();
  uint64_t have = head->size;
  auto t0 = Clock::now();
  uint64_t filled = 0;
  while (have < entries) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(4096, entries - have));
    std::vector<AuditEvent> batch;
    batch.reserve(n);
    for (size_t i = 0; i < n; ++i) batch.push_back(Event(have + i));
    auto r = log.AppendAll(std::move(batch));
    if (!r.ok()) Die(r.status(), "fill");
    have += n;
    filled += n;
  }
  double fill_s = Seconds(t0, Clock::now());
  if (filled) {
    std::printf(
        "  fill: %llu entries in %.1f s = %.0f appends/s (AppendAll, 4096 per checkpoint)\n",
        static_cast<unsigned long long>(filled), fill_s, filled / fill_s);
  }
  std::error_code ec;
  uint64_t bytes = std::filesystem::file_size(dir + "/audit.db", ec);
  uint64_t wal = std::filesystem::file_size(dir + "/audit.db-wal", ec);
  if (ec) wal = 0;
  head = log.Latest();
  std::printf("  size %llu entries; audit.db %.1f MB (+ WAL %.1f MB), %.0f bytes/entry\n",
              static_cast<unsigned long long>(head->size), bytes / 1e6, wal / 1e6,
              static_cast<double>(bytes) / head->size);

  // 3. Proofs at that size.
  std::mt19937_64 rng(42);
  const uint64_t n = head->size;
  std::vector<double> inc_us, con_us, inc_old_us, inc_cpu_us, con_cpu_us;
  for (int i = 0; i < 2000; ++i) {
    uint64_t index = rng() % n;
    double ca = CpuNow();
    auto a = Clock::now();
    auto p = log.ProveInclusion(index, n);
    auto b = Clock::now();
    inc_cpu_us.push_back((CpuNow() - ca) * 1e6);
    if (!p.ok()) Die(p.status(), "inclusion");
    inc_us.push_back(Seconds(a, b) * 1e6);
    if (!VerifyInclusion(index, n, p->leaf_hash, p->proof, head->root).ok()) {
      Die(Status::Internal("proof does not verify"), "inclusion");
    }
    uint64_t size = 1 + rng() % n;
    uint64_t idx2 = rng() % size;
    a = Clock::now();
    auto p2 = log.ProveInclusion(idx2, size);
    b = Clock::now();
    if (!p2.ok()) Die(p2.status(), "inclusion at an older size");
    inc_old_us.push_back(Seconds(a, b) * 1e6);
    uint64_t old = 1 + rng() % n;
    ca = CpuNow();
    a = Clock::now();
    auto c = log.ProveConsistency(old, n);
    b = Clock::now();
    con_cpu_us.push_back((CpuNow() - ca) * 1e6);
    if (!c.ok()) Die(c.status(), "consistency");
    con_us.push_back(Seconds(a, b) * 1e6);
  }
  std::printf("  inclusion proof at %llu:             p50 %6.0f us, p99 %6.0f us\n",
              static_cast<unsigned long long>(n), Percentile(inc_us, 0.5),
              Percentile(inc_us, 0.99));
  std::printf("  inclusion proof at a random older size: p50 %6.0f us, p99 %6.0f us\n",
              Percentile(inc_old_us, 0.5), Percentile(inc_old_us, 0.99));
  std::printf("  consistency proof (random old -> %llu): p50 %6.0f us, p99 %6.0f us\n",
              static_cast<unsigned long long>(n), Percentile(con_us, 0.5),
              Percentile(con_us, 0.99));
  std::printf(
      "  thread CPU per proof: inclusion p50 %.0f us p99 %.0f us, consistency p50 %.0f us p99 %.0f "
      "us\n",
      Percentile(inc_cpu_us, 0.5), Percentile(inc_cpu_us, 0.99), Percentile(con_cpu_us, 0.5),
      Percentile(con_cpu_us, 0.99));
  std::printf(
      "  (each proof call also reads the latest head and the signed checkpoint of the size)\n");
  return 0;
}
