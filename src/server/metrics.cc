// server/metrics.cc — histograms and Prometheus text rendering.
#include "server/metrics.h"

#include <algorithm>
#include <cstdio>

namespace mailrelay::server {
namespace {

void Header(std::string& out, const char* name, const char* help, const char* type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void Sample(std::string& out, const char* name, const std::string& labels, uint64_t value) {
  out += name;
  out += labels;
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

void Counter(std::string& out, const char* name, const char* help, uint64_t value,
             const char* type = "counter") {
  Header(out, name, help, type);
  Sample(out, name, "", value);
}

// Microseconds as seconds, shortest exact decimal ("0.005", "2.5", "60").
std::string Seconds(uint64_t us) {
  std::string s = std::to_string(us / 1'000'000);
  uint64_t frac = us % 1'000'000;
  if (frac == 0) return s;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%06llu", static_cast<unsigned long long>(frac));
  std::string f(buf);
  while (!f.empty() && f.back() == '0') f.pop_back();
  return s + "." + f;
}

}  // namespace

Histogram::Histogram(std::initializer_list<uint64_t> bounds_us) {
  for (uint64_t b : bounds_us) {
    if (n_ == kMaxBuckets) break;
    bounds_us_[n_++] = b;
  }
}

void Histogram::ObserveMicros(uint64_t us) {
  size_t i = static_cast<size_t>(std::lower_bound(bounds_us_.begin(), bounds_us_.begin() + n_, us) -
                                 bounds_us_.begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(us, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void Histogram::Render(std::string& out, const char* name, const char* help) const {
  Header(out, name, help, "histogram");
  std::string bucket = std::string(name) + "_bucket";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < n_; ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    Sample(out, bucket.c_str(), "{le=\"" + Seconds(bounds_us_[i]) + "\"}", cumulative);
  }
  cumulative += buckets_[n_].load(std::memory_order_relaxed);
  // The +Inf bucket and _count are the same number, read once, so a scrape is consistent.
  Sample(out, bucket.c_str(), "{le=\"+Inf\"}", cumulative);
  out += name;
  out += "_sum ";
  out += Seconds(sum_us_.load(std::memory_order_relaxed));
  out += '\n';
  Sample(out, (std::string(name) + "_count").c_str(), "", cumulative);
}

std::string Metrics::Render(std::optional<VaultCommitCounts> vault) const {
  std::string out;
  out.reserve(4096);
  Counter(out, "mailrelay_smtp_connections_total", "SMTP connections accepted.",
          smtp_connections.load());
  Counter(out, "mailrelay_smtp_connections_refused_total",
          "SMTP connections refused at accept (connection limits, shutdown).",
          smtp_connections_refused.load());
  Counter(out, "mailrelay_smtp_sessions_active", "SMTP sessions open now.",
          static_cast<uint64_t>(std::max<int64_t>(0, smtp_sessions_active.load())), "gauge");
  Header(out, "mailrelay_messages_total",
         "Messages by the reply after DATA: accepted (2xx), deferred (4xx), bounced (5xx).",
         "counter");
  Sample(out, "mailrelay_messages_total", "{outcome=\"accepted\"}", messages_accepted.load());
  Sample(out, "mailrelay_messages_total", "{outcome=\"deferred\"}", messages_deferred.load());
  Sample(out, "mailrelay_messages_total", "{outcome=\"bounced\"}", messages_bounced.load());
  Header(out, "mailrelay_spf_checks_total", "SPF checks of received messages, by result.",
         "counter");
  for (int i = 0; i < spf::kResultCount; ++i) {
    const std::string label =
        "{result=\"" + std::string(spf::ResultName(static_cast<spf::Result>(i))) + "\"}";
    Sample(out, "mailrelay_spf_checks_total", label.c_str(), spf_results[i].load());
  }
  delivery_latency.Render(out, "mailrelay_delivery_duration_seconds",
                          "End of DATA to the SMTP reply (endpoint and vault commit included).");
  vault_commit_latency.Render(out, "mailrelay_vault_commit_duration_seconds",
                              "Vault commit until the metadata records are durable.");
  if (vault) {
    Counter(out, "mailrelay_vault_commit_transactions_total",
            "Vault write transactions (each one fsync), over all regions.", vault->transactions);
    Counter(out, "mailrelay_vault_commit_batches_total",
            "Vault commits (one per message and region) those transactions carried.",
            vault->batches);
  }
  return out;
}

}  // namespace mailrelay::server
