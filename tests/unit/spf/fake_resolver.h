// tests/unit/spf/fake_resolver.h — a Resolver answered from tables, counting the questions.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "spf/resolver.h"

namespace mailrelay::spf {

class FakeResolver : public Resolver {
 public:
  std::map<std::string, std::vector<std::string>> txt;
  std::map<std::string, std::vector<std::string>> a;  // text addresses, v4 or v6 mixed
  std::map<std::string, std::vector<std::string>> mx;
  std::set<std::string> failing;  // any question about these names is a DNS error
  int queries = 0;

  StatusOr<std::vector<std::string>> Txt(std::string_view name) override {
    ++queries;
    if (failing.count(std::string(name))) return Status::Unavailable("SERVFAIL");
    auto it = txt.find(std::string(name));
    return it == txt.end() ? std::vector<std::string>{} : it->second;
  }
  StatusOr<std::vector<IpAddress>> Addresses(std::string_view name, bool v6) override {
    ++queries;
    if (failing.count(std::string(name))) return Status::DeadlineExceeded("timeout");
    std::vector<IpAddress> out;
    auto it = a.find(std::string(name));
    if (it == a.end()) return out;
    for (const auto& text : it->second) {
      auto ip = IpAddress::Parse(text);
      if (ip && ip->is_v6() == v6) out.push_back(*ip);
    }
    return out;
  }
  StatusOr<std::vector<std::string>> Mx(std::string_view name) override {
    ++queries;
    if (failing.count(std::string(name))) return Status::Unavailable("SERVFAIL");
    auto it = mx.find(std::string(name));
    return it == mx.end() ? std::vector<std::string>{} : it->second;
  }
};

}  // namespace mailrelay::spf
