// spf/record.h — one SPF record parsed into its terms (RFC 7208 §4.6, §12), and the choice of
// the record among a name's TXT strings (§4.5). Pure; macros stay unexpanded here.
//
//   StatusOr<std::optional<std::string>> text = SelectRecord(txt_strings);  // nullopt: none
//   StatusOr<Record> record = ParseRecord(**text);  // error: permerror
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "spf/ip_address.h"
#include "spf/result.h"

namespace mailrelay::spf {

enum class MechanismKind { kAll, kInclude, kA, kMx, kPtr, kIp4, kIp6, kExists };

struct Mechanism {
  Result qualifier = Result::kPass;  // '+' pass, '-' fail, '~' softfail, '?' neutral
  MechanismKind kind = MechanismKind::kAll;
  std::string domain_spec;           // unexpanded; "" = the current domain (a, mx, ptr)
  std::optional<IpAddress> network;  // ip4, ip6
  int cidr4 = 32;
  int cidr6 = 128;
};

struct Record {
  std::vector<Mechanism> mechanisms;
  std::optional<std::string> redirect;  // unexpanded domain-spec
  // exp= and unknown modifiers are checked for syntax and otherwise ignored.
};

// Returns the one TXT string that is an SPF record ("v=spf1" then a space or the end, any
// case), nullopt when there is none, or InvalidArgument when there are several (permerror).
StatusOr<std::optional<std::string>> SelectRecord(const std::vector<std::string>& txt);

// Returns the record's terms, or InvalidArgument naming the first term that breaks the
// grammar: unknown mechanism, bad CIDR, bad IP, bad macro, a repeated redirect= or exp=.
StatusOr<Record> ParseRecord(std::string_view text);

}  // namespace mailrelay::spf
