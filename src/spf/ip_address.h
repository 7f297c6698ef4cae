// spf/ip_address.h — an IPv4 or IPv6 address as SPF compares it: parsing, CIDR prefix match and
// the reversed forms the %{i} macro needs. Pure.
//
//   auto ip = IpAddress::Parse("192.0.2.3");  // "::ffff:192.0.2.3" is the same IPv4 address
//   ip->InPrefix(*IpAddress::Parse("192.0.2.0"), 24);  // true
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailrelay::spf {

class IpAddress {
 public:
  // Returns the address in `text` (dotted quad or RFC 4291 text), or nullopt. An IPv4-mapped
  // IPv6 address becomes IPv4: RFC 7208 §5 evaluates it as the IPv4 client it is.
  static std::optional<IpAddress> Parse(std::string_view text);
  static IpAddress V4(const std::array<uint8_t, 4>& bytes);
  static IpAddress V6(const std::array<uint8_t, 16>& bytes);

  bool is_v6() const { return v6_; }
  // Returns true when the first `prefix_bits` bits equal `network`'s; false for another family.
  bool InPrefix(const IpAddress& network, int prefix_bits) const;
  // "192.0.2.3" or the dotted-nibble form "2.0.0.1.0.d.b.8..." (RFC 7208 §7.3, %{i}).
  std::string MacroForm() const;
  // "in-addr" or "ip6" (%{v}).
  std::string_view MacroVersion() const { return v6_ ? "ip6" : "in-addr"; }
  bool operator==(const IpAddress& other) const = default;

 private:
  bool v6_ = false;
  std::array<uint8_t, 16> bytes_{};  // IPv4 uses the first 4
};

}  // namespace mailrelay::spf
