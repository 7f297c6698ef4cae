// tests/bench/bench_vault.h — what the vault benchmarks share: where their files go, the
// 3-region vault (with a fresh master key) they open there, and the records they write.
#pragma once

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "common/ids.h"
#include "keyring/master_key.h"
#include "vault/vault.h"

namespace mailrelay::bench {

struct BenchDir {
  std::string path;
  bool temporary = false;  // made here: remove it when done
};

// Returns $MAILRELAY_BENCH_DIR, or a new temporary directory "<prefix>-XXXXXX".
inline BenchDir MakeBenchDir(const char* prefix) {
  if (const char* e = std::getenv("MAILRELAY_BENCH_DIR")) return {e, false};
  std::string tmpl =
      (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
  return {::mkdtemp(tmpl.data()), true};
}

// Creates <dir>/master.key unless it exists and opens (creating) the vault in <dir>/data with the
// regions us, eu, ap; with $MAILRELAY_BENCH_PARTITION_DAYS=N, new records go to expiry
// partitions of N days. Exits 1 with the error on failure: a benchmark has nothing to fall back to.
inline std::unique_ptr<vault::Vault> OpenBenchVault(const std::string& dir) {
  std::filesystem::create_directories(dir);
  const std::string key = dir + "/master.key";
  if (!std::filesystem::exists(key)) {
    if (auto s = keyring::CreateMasterKeyFile(key); !s.ok()) {
      std::fprintf(stderr, "master key: %s\n", s.ToString().c_str());
      std::exit(1);
    }
  }
  vault::VaultOptions options{dir + "/data", {"us", "eu", "ap"}, key, true};
  if (const char* e = std::getenv("MAILRELAY_BENCH_PARTITION_DAYS")) {
    options.partition_span_days = std::atoi(e);
  }
  auto opened = vault::Vault::Open(options);
  if (!opened.ok()) {
    std::fprintf(stderr, "vault: %s\n", opened.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(opened).value();
}

// Distinct senders in BenchRecord: each sends ~1 in 50,000 records.
inline constexpr int kBenchSenders = 50'000;

// Record n of a benchmark, received at `received_ms` in `region`, living 30 days: every field
// set and distinct per n, except the sender, one of kBenchSenders.
inline vault::MetadataRecord BenchRecord(int64_t n, int64_t received_ms, const char* region) {
  vault::MetadataRecord r;
  r.id = NewSortableId(static_cast<uint64_t>(received_ms));
  r.message_id_ref = "m" + std::to_string(n);
  r.received_at_ms = received_ms;
  r.expires_at_ms = received_ms + 30LL * 86'400'000;
  r.smtp_code = 250;
  r.http_status = 200;
  r.processing_ms = 40;
  r.size = 12'345;
  r.account = "acct" + std::to_string(n % 100);
  r.route = "route" + std::to_string(n % 20);
  r.region = region;
  r.sender_ip = "198.51.100." + std::to_string(n % 250);
  r.message_id = "<" + std::to_string(n) + ".bench@mta.example>";
  r.sender = "sender" + std::to_string(n % kBenchSenders) + "@senders.example";
  r.recipient = "rcpt" + std::to_string(n) + "@customer.example";
  r.subject = "Invoice " + std::to_string(n) + " for your recent order";
  r.server_response = "{\"ok\":true,\"id\":" + std::to_string(n) + "}";
  return r;
}

}  // namespace mailrelay::bench
