// spf/spf_checker.cc — the per-try timeout is a third of the whole budget so that both UDP
// tries and a TCP fallback still fit in one check's deadline.
#include "spf/spf_checker.h"

#include "spf/check_host.h"
#include "spf/dns_resolver.h"

namespace mailrelay::spf {

SpfChecker::SpfChecker(SpfCheckerOptions options)
    : options_(std::move(options)),
      client_(options_.nameserver, std::max(std::chrono::milliseconds(50), options_.timeout / 3)) {}

SpfVerdict SpfChecker::Check(std::string_view remote_ip, std::string_view mail_from,
                             std::string_view helo) const {
  const SpfIdentity identity = SpfIdentityFor(mail_from, helo);
  SpfVerdict verdict;
  verdict.domain = identity.domain;
  if (!options_.enabled) return verdict;
  const std::optional<IpAddress> ip = IpAddress::Parse(remote_ip);
  // Without a client address (a local test connection) there is nothing to authorise.
  if (!ip) return verdict;
  DnsResolver resolver(client_, DnsClient::Clock::now() + options_.timeout);
  verdict.result = CheckHost(*ip, identity, resolver);
  verdict.queries = resolver.queries();
  return verdict;
}

}  // namespace mailrelay::spf
