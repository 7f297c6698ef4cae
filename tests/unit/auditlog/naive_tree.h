// Test helpers: the RFC 9162 definitions written as literally as possible (recursive MTH,
// PATH, SUBPROOF over a vector of leaf data), used as the reference for the fast code, and
// loading of the committed known-answer vectors.
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "auditlog/hasher.h"

namespace mailrelay::auditlog::testing {

using Leaves = std::vector<std::string>;

inline uint64_t LargestPowerOfTwoBelow(uint64_t n) {
  uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

inline Leaves Slice(const Leaves& d, size_t begin, size_t end) {
  return Leaves(d.begin() + static_cast<long>(begin), d.begin() + static_cast<long>(end));
}

// MTH(D[n]) of RFC 9162 §2.1.1.
inline Hash NaiveRoot(const Leaves& d) {
  if (d.empty()) return EmptyRoot();
  if (d.size() == 1) return HashLeaf(d[0]);
  const uint64_t k = LargestPowerOfTwoBelow(d.size());
  return HashChildren(NaiveRoot(Slice(d, 0, k)), NaiveRoot(Slice(d, k, d.size())));
}

// PATH(m, D[n]) of RFC 9162 §2.1.3.1.
inline std::vector<Hash> NaivePath(uint64_t m, const Leaves& d) {
  if (d.size() <= 1) return {};
  const uint64_t k = LargestPowerOfTwoBelow(d.size());
  std::vector<Hash> out;
  if (m < k) {
    out = NaivePath(m, Slice(d, 0, k));
    out.push_back(NaiveRoot(Slice(d, k, d.size())));
  } else {
    out = NaivePath(m - k, Slice(d, k, d.size()));
    out.push_back(NaiveRoot(Slice(d, 0, k)));
  }
  return out;
}

// SUBPROOF(m, D[n], b) of RFC 9162 §2.1.4.1.
inline std::vector<Hash> NaiveSubproof(uint64_t m, const Leaves& d, bool b) {
  if (m == d.size()) return b ? std::vector<Hash>{} : std::vector<Hash>{NaiveRoot(d)};
  const uint64_t k = LargestPowerOfTwoBelow(d.size());
  std::vector<Hash> out;
  if (m <= k) {
    out = NaiveSubproof(m, Slice(d, 0, k), b);
    out.push_back(NaiveRoot(Slice(d, k, d.size())));
  } else {
    out = NaiveSubproof(m - k, Slice(d, k, d.size()), false);
    out.push_back(NaiveRoot(Slice(d, 0, k)));
  }
  return out;
}

// Leaf data "leaf-0", "leaf-1", ...
inline Leaves MakeLeaves(size_t n) {
  Leaves d;
  for (size_t i = 0; i < n; ++i) d.push_back("leaf-" + std::to_string(i));
  return d;
}

inline Hash FromHex(const std::string& hex) {
  Hash h{};
  for (size_t i = 0; i < h.size(); ++i)
    h[i] = static_cast<uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  return h;
}

inline std::string BytesFromHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The certificate-transparency test tree: audit/vectors/rfc6962/ct_test_tree.json.
inline nlohmann::json CtVectors() {
  return nlohmann::json::parse(
      ReadFile(std::string(MAILRELAY_SOURCE_DIR) + "/audit/vectors/rfc6962/ct_test_tree.json"));
}

inline Leaves CtLeaves() {
  const nlohmann::json v = CtVectors();  // not in the for-range: it would dangle
  Leaves d;
  for (const auto& hex : v.at("leaves")) d.push_back(BytesFromHex(hex.get<std::string>()));
  return d;
}

}  // namespace mailrelay::auditlog::testing
