// tests/bench/bench_vault.h — what the vault benchmarks share: where their files go, and the
// 3-region vault (with a fresh master key) they open there.
#pragma once

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

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
// regions us, eu, ap. Exits 1 with the error on failure: a benchmark has nothing to fall back to.
inline std::unique_ptr<vault::Vault> OpenBenchVault(const std::string& dir) {
  std::filesystem::create_directories(dir);
  const std::string key = dir + "/master.key";
  if (!std::filesystem::exists(key)) {
    if (auto s = keyring::CreateMasterKeyFile(key); !s.ok()) {
      std::fprintf(stderr, "master key: %s\n", s.ToString().c_str());
      std::exit(1);
    }
  }
  auto opened = vault::Vault::Open({dir + "/data", {"us", "eu", "ap"}, key, true});
  if (!opened.ok()) {
    std::fprintf(stderr, "vault: %s\n", opened.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(opened).value();
}

}  // namespace mailrelay::bench
