// spf/macro.h — macro expansion in domain-specs (RFC 7208 §7): %{s l o d i p v h} with digit
// and 'r' transformers and delimiters, %% %_ %-. Pure.
//
//   MacroContext ctx{.sender = "strong-bad@email.example.com", .local = "strong-bad",
//                    .sender_domain = "email.example.com", .domain = "email.example.com",
//                    .ip = *IpAddress::Parse("192.0.2.3"), .helo = "mx.example.org"};
//   ExpandDomainSpec("%{ir}.%{v}._spf.%{d2}", ctx);  // "3.2.0.192.in-addr._spf.example.com"
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "spf/ip_address.h"

namespace mailrelay::spf {

struct MacroContext {
  std::string sender;         // %{s}: "local@domain" ("postmaster@helo" for the null path)
  std::string local;          // %{l}
  std::string sender_domain;  // %{o}
  std::string domain;         // %{d}: the domain being checked now (changes with include)
  IpAddress ip;               // %{i}, %{v}
  std::string helo;           // %{h}
};

// Returns InvalidArgument when `spec` is not a valid macro-string in a domain-spec: a '%' not
// starting one of the forms above, a zero digit transformer, an unknown or exp-only letter
// (c, r, t), or an unclosed "%{".
Status CheckMacroString(std::string_view spec);

// Returns `spec` with its macros expanded. %{p} expands to "unknown": this implementation does
// not validate PTR names (RFC 7208 §7.3 allows that value). Upper-case letters URL-escape.
StatusOr<std::string> ExpandMacroString(std::string_view spec, const MacroContext& ctx);

// Returns ExpandMacroString with a trailing dot removed and, when the result is longer than
// 253 characters, left-hand labels dropped until it is not (§7.3).
StatusOr<std::string> ExpandDomainSpec(std::string_view spec, const MacroContext& ctx);

}  // namespace mailrelay::spf
