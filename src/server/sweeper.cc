// server/sweeper.cc — see sweeper.h.
#include "server/sweeper.h"

#include "common/log.h"
#include "vault/sweep_json.h"

namespace mailrelay::server {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Sweeper::Sweeper(vault::Vault& vault, auditlog::AuditLog& audit, std::chrono::milliseconds interval,
                 const RetentionPolicy* policy)
    : vault_(vault), audit_(audit), interval_(interval), policy_(policy) {}

Sweeper::~Sweeper() { Stop(); }

void Sweeper::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stop_) return;
  thread_ = std::thread([this] { Loop(); });
}

void Sweeper::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

uint64_t Sweeper::sweeps() const {
  std::lock_guard lock(mu_);
  return sweeps_;
}

void Sweeper::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    SweepOnce();
    lock.lock();
    ++sweeps_;
    cv_.wait_for(lock, interval_, [this] { return stop_; });
  }
}

void Sweeper::SweepOnce() {
  const int64_t now_ms = NowMs();
  const auto started = std::chrono::steady_clock::now();
  auto counts = vault_.Sweep(now_ms, /*dry_run=*/false, policy_);
  if (!counts.ok()) {
    log::Error("retention.sweep_failed")
        .Ident("status", log::Id(StatusCodeName(counts.status().code())))
        .Emit();
    return;
  }
  const auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - started)
                              .count();
  nlohmann::json details = vault::SweepCountsJson(*counts);
  const int64_t records = details["records_deleted"].get<int64_t>();
  const int64_t fields = details["fields_cleared"].get<int64_t>();
  const int64_t capped = details["expiries_capped"].get<int64_t>();
  log::Info("retention.swept")
      .Num("records_deleted", records)
      .Num("fields_cleared", fields)
      .Num("expiries_capped", capped)
      .Num("partitions_dropped", details["partitions_dropped"].get<int64_t>())
      .Num("elapsed_ms", elapsed_ms)
      .Emit();
  if (records == 0 && fields == 0 && capped == 0) return;  // nothing changed: no entry
  details["now_ms"] = now_ms;
  details["dry_run"] = false;
  details["via"] = "serve";
  auto appended = audit_.Append({"system", "retention.sweep", std::move(details)});
  if (!appended.ok()) {
    log::Error("retention.sweep_not_audited")
        .Ident("status", log::Id(StatusCodeName(appended.status().code())))
        .Emit();
  }
}

}  // namespace mailrelay::server
