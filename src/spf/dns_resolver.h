// spf/dns_resolver.h — the Resolver that asks a real nameserver, with one deadline for all the
// questions of one SPF check. One per check; not thread-safe.
//
//   DnsResolver resolver(client, DnsClient::Clock::now() + std::chrono::seconds(3));
//   Result r = CheckHost(ip, identity, resolver);  // temperror once the deadline has passed
#pragma once

#include "spf/dns_client.h"
#include "spf/resolver.h"

namespace mailrelay::spf {

class DnsResolver : public Resolver {
 public:
  // `client` must outlive the resolver.
  DnsResolver(const DnsClient& client, DnsClient::Clock::time_point deadline)
      : client_(client), deadline_(deadline) {}

  StatusOr<std::vector<std::string>> Txt(std::string_view name) override;
  StatusOr<std::vector<IpAddress>> Addresses(std::string_view name, bool v6) override;
  StatusOr<std::vector<std::string>> Mx(std::string_view name) override;

  int queries() const { return queries_; }

 private:
  // Returns the records of `type` for `name`: none for NXDOMAIN, an error for other RCODEs.
  StatusOr<std::vector<const ResourceRecord*>> Ask(std::string_view name, RrType type,
                                                   DnsResponse& storage);

  const DnsClient& client_;
  DnsClient::Clock::time_point deadline_;
  int queries_ = 0;
};

}  // namespace mailrelay::spf
