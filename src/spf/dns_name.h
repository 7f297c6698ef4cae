// spf/dns_name.h — domain names on the DNS wire (RFC 1035 §3.1, §4.1.4): encoding a query name
// and reading a possibly compressed name out of a message. Pure; bounds-checked throughout.
//
//   MR_ASSIGN_OR_RETURN(std::string wire, EncodeName("example.com"));
//   MR_ASSIGN_OR_RETURN(WireName n, ReadName(message, offset));  // n.name, n.next
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace mailrelay::spf {

inline constexpr size_t kMaxNameWireBytes = 255;  // RFC 1035 §3.1
inline constexpr size_t kMaxLabelBytes = 63;
// A compressed name may jump at most this many times; each jump must also go backwards, so a
// pointer loop cannot be built at all and a long backwards chain is cut short.
inline constexpr int kMaxPointerHops = 16;

// Returns the wire form of `name` ("a.b." or "a.b"), or InvalidArgument for an empty label, a
// label over 63 bytes or a name over 255 bytes.
StatusOr<std::string> EncodeName(std::string_view name);

// Returns true when `name` can be encoded (see EncodeName).
bool IsEncodableName(std::string_view name);

struct WireName {
  std::string name;  // lower-case ASCII, labels joined by '.', no trailing dot; "" is the root
  size_t next = 0;   // offset just after the name where it started (after the first pointer)
};

// Returns the name starting at `offset` in `message`, or DataLoss for a name that runs past the
// end, jumps forwards or to itself, jumps more than kMaxPointerHops times, uses the reserved
// label types 01/10, or is longer than 255 bytes.
StatusOr<WireName> ReadName(std::string_view message, size_t offset);

// Returns true when two names are equal ignoring ASCII case and one trailing dot.
bool SameName(std::string_view a, std::string_view b);

}  // namespace mailrelay::spf
