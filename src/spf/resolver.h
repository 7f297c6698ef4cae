// spf/resolver.h — the DNS questions SPF evaluation asks, as an interface: DnsResolver answers
// them over the network, tests answer them from a table.
//
//   StatusOr<std::vector<std::string>> txt = resolver.Txt("example.com");
//   // ok + empty: NXDOMAIN or no such records (a "void lookup"); error: temperror
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "spf/ip_address.h"

namespace mailrelay::spf {

// Each method returns the records for `name`: an empty vector when the name does not exist
// or has none of them, an error Status when the answer could not be had (timeout, SERVFAIL,
// garbled reply, the check's deadline passed).
class Resolver {
 public:
  virtual ~Resolver() = default;
  virtual StatusOr<std::vector<std::string>> Txt(std::string_view name) = 0;
  // A records when `v6` is false, AAAA when true.
  virtual StatusOr<std::vector<IpAddress>> Addresses(std::string_view name, bool v6) = 0;
  // The MX exchange names.
  virtual StatusOr<std::vector<std::string>> Mx(std::string_view name) = 0;
};

}  // namespace mailrelay::spf
