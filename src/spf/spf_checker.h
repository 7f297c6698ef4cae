// spf/spf_checker.h — what the relay calls once per message: the identity to check, the check
// itself against the configured nameserver under one deadline, or only the identity when SPF
// checking is off. Thread-safe: each Check has its own resolver state.
//
//   SpfChecker checker({.enabled = true, .nameserver = ns, .timeout = 3000ms});
//   SpfVerdict v = checker.Check(remote_ip, mail_from, helo);  // v.result, v.domain
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "spf/dns_client.h"
#include "spf/result.h"

namespace mailrelay::spf {

struct SpfCheckerOptions {
  bool enabled = false;
  Nameserver nameserver;
  std::chrono::milliseconds timeout{3000};  // all DNS of one check together
};

struct SpfVerdict {
  Result result = Result::kNone;
  std::string domain;  // the domain checked (MAIL FROM's, or HELO's for the null path)
  int queries = 0;     // DNS questions asked
};

class SpfChecker {
 public:
  explicit SpfChecker(SpfCheckerOptions options);

  // Returns the verdict for a client at `remote_ip` (text form) sending MAIL FROM `mail_from`
  // (no angle brackets; "" for the null path) after HELO `helo`. Disabled: result none.
  // Never takes longer than the timeout plus scheduling slack.
  SpfVerdict Check(std::string_view remote_ip, std::string_view mail_from,
                   std::string_view helo) const;

  bool enabled() const { return options_.enabled; }

 private:
  SpfCheckerOptions options_;
  DnsClient client_;
};

}  // namespace mailrelay::spf
