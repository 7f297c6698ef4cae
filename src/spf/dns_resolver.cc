// spf/dns_resolver.cc — maps DNS outcomes onto what SPF distinguishes: records, nothing
// (NXDOMAIN or no data: a void lookup), or an error (temperror).
#include "spf/dns_resolver.h"

#include <array>

namespace mailrelay::spf {

StatusOr<std::vector<const ResourceRecord*>> DnsResolver::Ask(std::string_view name, RrType type,
                                                              DnsResponse& storage) {
  ++queries_;
  MR_ASSIGN_OR_RETURN(storage, client_.Query(name, type, deadline_));
  if (storage.rcode == kRcodeNxDomain) return std::vector<const ResourceRecord*>{};
  if (storage.rcode != kRcodeNoError) {
    return Status::Unavailable("the nameserver answered with RCODE " +
                               std::to_string(storage.rcode));
  }
  return AnswersFor(storage, name, type);
}

StatusOr<std::vector<std::string>> DnsResolver::Txt(std::string_view name) {
  DnsResponse r;
  MR_ASSIGN_OR_RETURN(std::vector<const ResourceRecord*> rrs, Ask(name, RrType::kTxt, r));
  std::vector<std::string> out;
  for (const ResourceRecord* rr : rrs) out.push_back(rr->data);
  return out;
}

StatusOr<std::vector<IpAddress>> DnsResolver::Addresses(std::string_view name, bool v6) {
  DnsResponse r;
  MR_ASSIGN_OR_RETURN(std::vector<const ResourceRecord*> rrs,
                      Ask(name, v6 ? RrType::kAaaa : RrType::kA, r));
  std::vector<IpAddress> out;
  for (const ResourceRecord* rr : rrs) {
    if (v6) {
      std::array<uint8_t, 16> b{};
      for (size_t i = 0; i < 16; ++i) b[i] = static_cast<uint8_t>(rr->data[i]);
      out.push_back(IpAddress::V6(b));
    } else {
      out.push_back(
          IpAddress::V4({static_cast<uint8_t>(rr->data[0]), static_cast<uint8_t>(rr->data[1]),
                         static_cast<uint8_t>(rr->data[2]), static_cast<uint8_t>(rr->data[3])}));
    }
  }
  return out;
}

StatusOr<std::vector<std::string>> DnsResolver::Mx(std::string_view name) {
  DnsResponse r;
  MR_ASSIGN_OR_RETURN(std::vector<const ResourceRecord*> rrs, Ask(name, RrType::kMx, r));
  std::vector<std::string> out;
  for (const ResourceRecord* rr : rrs) {
    if (!rr->data.empty()) out.push_back(rr->data);  // "." is RFC 7505's "no mail here"
  }
  return out;
}

}  // namespace mailrelay::spf
