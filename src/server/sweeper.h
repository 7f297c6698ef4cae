// server/sweeper.h — the retention sweep inside `serve`: a thread that sweeps the vault once at
// start and then every `interval` (the config's retention.sweep_interval_s), appending a
// retention.sweep audit entry (counts only) after each sweep that changed something. Stop() wakes
// and joins it (a sweep in progress finishes its current region first). docs/retention.md.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "auditlog/audit_log.h"
#include "common/retention.h"
#include "vault/vault.h"

namespace mailrelay::server {

class Sweeper {
 public:
  // `vault`, `audit` and `policy` (when given: stored expiries beyond it are capped, see
  // Vault::Sweep) must outlive the sweeper.
  Sweeper(vault::Vault& vault, auditlog::AuditLog& audit, std::chrono::milliseconds interval,
          const RetentionPolicy* policy);
  ~Sweeper();  // Stop()
  Sweeper(const Sweeper&) = delete;
  Sweeper& operator=(const Sweeper&) = delete;

  void Start();
  void Stop();
  // Sweeps finished so far (tests).
  uint64_t sweeps() const;

 private:
  void Loop();
  void SweepOnce();

  vault::Vault& vault_;
  auditlog::AuditLog& audit_;
  const std::chrono::milliseconds interval_;
  const RetentionPolicy* const policy_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;    // guarded by mu_
  uint64_t sweeps_ = 0;  // guarded by mu_
  std::thread thread_;
};

}  // namespace mailrelay::server
