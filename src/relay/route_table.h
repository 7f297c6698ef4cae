// relay/route_table.h — which route receives a recipient address. Pure.
// Patterns: "user@dom" (exact), "local+*@dom" (local and its +tags), "*@dom", "*" (catch-all).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"

namespace mailrelay::relay {

class RouteTable {
 public:
  explicit RouteTable(std::vector<RouteConfig> routes);

  // Returns the route for `address`, or nullptr. The most specific pattern wins
  // (exact > local+* > *@domain > *); among equals, the first in the config.
  // Addresses compare case-insensitively (RFC 5321 allows case-sensitive local parts,
  // but no real mailbox provider uses that, and senders vary the case).
  const RouteConfig* Match(std::string_view address) const;
  const RouteConfig* Find(std::string_view route_id) const;
  const std::vector<RouteConfig>& routes() const { return routes_; }

 private:
  std::vector<RouteConfig> routes_;
};

// Returns how specific `pattern` is for `address`: 0 = no match, 1 = catch-all,
// 2 = *@domain, 3 = local+*@domain, 4 = exact.
int MatchStrength(std::string_view pattern, std::string_view address);

}  // namespace mailrelay::relay
