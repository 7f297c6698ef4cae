// server/metrics.cc — Prometheus text rendering.
#include "server/metrics.h"

namespace mailrelay::server {
namespace {

void Counter(std::string& out, const char* name, const char* help, uint64_t value,
             const char* type = "counter") {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
  out += name;
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

}  // namespace

std::string Metrics::Render() const {
  std::string out;
  Counter(out, "mailrelay_smtp_connections_total", "SMTP connections accepted.",
          smtp_connections.load());
  Counter(out, "mailrelay_smtp_connections_refused_total",
          "SMTP connections refused at accept (connection limits).",
          smtp_connections_refused.load());
  Counter(out, "mailrelay_smtp_sessions_active", "SMTP sessions open now.",
          static_cast<uint64_t>(std::max<int64_t>(0, smtp_sessions_active.load())), "gauge");
  Counter(out, "mailrelay_messages_accepted_total", "Messages the endpoint accepted (250).",
          messages_accepted.load());
  Counter(out, "mailrelay_messages_bounced_total", "Messages answered with a 5xx after DATA.",
          messages_bounced.load());
  Counter(out, "mailrelay_messages_deferred_total", "Messages answered with a 4xx after DATA.",
          messages_deferred.load());
  Counter(out, "mailrelay_delivery_milliseconds_total",
          "Time spent delivering messages to endpoints.", delivery_ms_total.load());
  Counter(out, "mailrelay_vault_commit_microseconds_total",
          "Time spent waiting for metadata records to become durable.",
          vault_commit_us_total.load());
  return out;
}

}  // namespace mailrelay::server
