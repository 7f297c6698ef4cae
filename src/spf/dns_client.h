// spf/dns_client.h — the I/O edge: one DNS question to one nameserver over UDP, retried once,
// and over TCP when the UDP answer is truncated. Thread-safe (no shared state).
//
//   DnsClient client(*ParseNameserver("127.0.0.1:5353"), std::chrono::milliseconds(1000));
//   StatusOr<DnsResponse> r = client.Query("example.com", RrType::kTxt, deadline);
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "spf/dns_message.h"

namespace mailrelay::spf {

struct Nameserver {
  std::string ip;  // IPv4 or IPv6 literal
  uint16_t port = 53;
};

// Returns the nameserver in "ip", "ip:port", "[ipv6]" or "[ipv6]:port" form, or
// InvalidArgument saying what is wrong ("::1" alone is an IPv6 address without a port).
StatusOr<Nameserver> ParseNameserver(std::string_view text);

// Returns the first "nameserver" line of `resolv_conf`; 127.0.0.1:53 when it has none or
// cannot be read (what the C library's resolver assumes too).
Nameserver SystemNameserver(const std::string& resolv_conf = "/etc/resolv.conf");

class DnsClient {
 public:
  using Clock = std::chrono::steady_clock;
  DnsClient(Nameserver server, std::chrono::milliseconds per_try_timeout);

  // Returns the nameserver's well-formed response to the question (any RCODE), or
  // DeadlineExceeded when no answer came in time (two UDP tries, each at most the per-try
  // timeout and never past `deadline`), or Unavailable when the socket could not be used.
  // Replies that do not match the query (id, question) are ignored while waiting.
  StatusOr<DnsResponse> Query(std::string_view name, RrType type, Clock::time_point deadline) const;

 private:
  Nameserver server_;
  std::chrono::milliseconds per_try_timeout_;
};

}  // namespace mailrelay::spf
