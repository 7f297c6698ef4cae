// spf/ip_address.cc — inet_pton does the parsing; it touches no network.
#include "spf/ip_address.h"

#include <arpa/inet.h>

#include <algorithm>

namespace mailrelay::spf {

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  const std::string s(text);
  std::array<uint8_t, 4> v4{};
  if (inet_pton(AF_INET, s.c_str(), v4.data()) == 1) return V4(v4);
  std::array<uint8_t, 16> v6{};
  if (inet_pton(AF_INET6, s.c_str(), v6.data()) != 1) return std::nullopt;
  static constexpr std::array<uint8_t, 12> kMapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMapped.begin(), kMapped.end(), v6.begin())) {
    return V4({v6[12], v6[13], v6[14], v6[15]});
  }
  return V6(v6);
}

IpAddress IpAddress::V4(const std::array<uint8_t, 4>& bytes) {
  IpAddress ip;
  std::copy(bytes.begin(), bytes.end(), ip.bytes_.begin());
  return ip;
}

IpAddress IpAddress::V6(const std::array<uint8_t, 16>& bytes) {
  IpAddress ip;
  ip.v6_ = true;
  ip.bytes_ = bytes;
  return ip;
}

bool IpAddress::InPrefix(const IpAddress& network, int prefix_bits) const {
  if (v6_ != network.v6_) return false;
  const int max_bits = v6_ ? 128 : 32;
  if (prefix_bits < 0 || prefix_bits > max_bits) return false;
  const int whole = prefix_bits / 8;
  for (int i = 0; i < whole; ++i) {
    if (bytes_[i] != network.bytes_[i]) return false;
  }
  const int rest = prefix_bits % 8;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (bytes_[whole] & mask) == (network.bytes_[whole] & mask);
}

std::string IpAddress::MacroForm() const {
  std::string out;
  if (!v6_) {
    for (int i = 0; i < 4; ++i) {
      if (i) out += '.';
      out += std::to_string(bytes_[i]);
    }
    return out;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 16; ++i) {
    if (i) out += '.';
    out += kHex[bytes_[i] >> 4];
    out += '.';
    out += kHex[bytes_[i] & 0xf];
  }
  return out;
}

}  // namespace mailrelay::spf
