// relay/route_table.cc — pattern matching for routes.
#include "relay/route_table.h"

#include "common/ascii.h"

namespace mailrelay::relay {

int MatchStrength(std::string_view pattern_in, std::string_view address_in) {
  const std::string pattern = AsciiLowercase(pattern_in);
  const std::string address = AsciiLowercase(address_in);
  if (pattern == "*" || pattern == "*@*") return 1;
  const auto at = address.rfind('@');
  const auto pat_at = pattern.rfind('@');
  if (at == std::string::npos || pat_at == std::string::npos) return pattern == address ? 4 : 0;
  std::string_view local = std::string_view(address).substr(0, at);
  std::string_view domain = std::string_view(address).substr(at + 1);
  std::string_view pat_local = std::string_view(pattern).substr(0, pat_at);
  std::string_view pat_domain = std::string_view(pattern).substr(pat_at + 1);
  if (pat_domain != domain) return 0;
  if (pat_local == "*") return 2;
  if (pat_local.size() >= 2 && pat_local.substr(pat_local.size() - 2) == "+*") {
    std::string_view base = pat_local.substr(0, pat_local.size() - 2);
    if (local == base) return 3;
    if (local.size() > base.size() + 1 && local.substr(0, base.size()) == base &&
        local[base.size()] == '+') {
      return 3;
    }
    return 0;
  }
  return pat_local == local ? 4 : 0;
}

RouteTable::RouteTable(std::vector<RouteConfig> routes) : routes_(std::move(routes)) {}

const RouteConfig* RouteTable::Match(std::string_view address) const {
  const RouteConfig* best = nullptr;
  int best_strength = 0;
  for (const auto& route : routes_) {
    for (const auto& pattern : route.match) {
      int strength = MatchStrength(pattern, address);
      if (strength > best_strength) {
        best_strength = strength;
        best = &route;
      }
    }
  }
  return best;
}

const RouteConfig* RouteTable::Find(std::string_view route_id) const {
  for (const auto& route : routes_) {
    if (route.id == route_id) return &route;
  }
  return nullptr;
}

}  // namespace mailrelay::relay
