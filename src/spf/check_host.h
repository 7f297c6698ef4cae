// spf/check_host.h — the SPF evaluation check_host(ip, domain, sender) of RFC 7208 §4–§6.
// Pure: all DNS goes through the Resolver it is given; deadlines are the resolver's business.
// Not thread-safe per call; calls on different resolvers may run concurrently.
//
//   SpfIdentity id = SpfIdentityFor(mail_from, helo);  // which domain §2.4 says to check
//   Result r = CheckHost(*IpAddress::Parse("192.0.2.3"), id, resolver);
#pragma once

#include <string>
#include <string_view>

#include "spf/ip_address.h"
#include "spf/resolver.h"
#include "spf/result.h"

namespace mailrelay::spf {

// RFC 7208 §4.6.4 and §11.1: limits on the DNS work one evaluation may cause.
inline constexpr int kMaxDnsMechanisms = 10;   // include, a, mx, ptr, exists, redirect
inline constexpr int kMaxVoidLookups = 2;      // NXDOMAIN or empty answers
inline constexpr int kMaxNamesPerLookup = 10;  // MX exchanges looked up for one "mx"

struct SpfIdentity {
  std::string domain;  // checked and reported as envelope.spf.domain; lower case
  std::string local;   // "postmaster" when the sender has no local part (§4.3)
  std::string helo;
};

// Returns the identity to check: MAIL FROM's domain, or the HELO name when MAIL FROM is the
// null path "" (§2.4). `mail_from` is the reverse path without angle brackets.
SpfIdentity SpfIdentityFor(std::string_view mail_from, std::string_view helo);

// Returns check_host()'s result for a client at `ip` claiming `identity`. A domain that is not
// a syntactically valid multi-label name gives none (§4.3).
Result CheckHost(const IpAddress& ip, const SpfIdentity& identity, Resolver& resolver);

}  // namespace mailrelay::spf
