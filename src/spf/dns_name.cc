// spf/dns_name.cc — a name read from a reply is untrusted input: every byte read is checked
// against the message size first.
#include "spf/dns_name.h"

#include <cctype>

#include "common/ascii.h"

namespace mailrelay::spf {
namespace {

std::string_view StripDot(std::string_view s) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  return s;
}

}  // namespace

StatusOr<std::string> EncodeName(std::string_view name) {
  name = StripDot(name);
  if (name.empty()) return Status::InvalidArgument("empty domain name");
  std::string out;
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string_view::npos) dot = name.size();
    const size_t len = dot - start;
    if (len == 0) return Status::InvalidArgument("domain name has an empty label");
    if (len > kMaxLabelBytes) {
      return Status::InvalidArgument("domain name has a label longer than 63 bytes");
    }
    out += static_cast<char>(len);
    out.append(name.substr(start, len));
    start = dot + 1;
  }
  out += '\0';
  if (out.size() > kMaxNameWireBytes) {
    return Status::InvalidArgument("domain name is longer than 255 bytes");
  }
  return out;
}

bool IsEncodableName(std::string_view name) { return EncodeName(name).ok(); }

StatusOr<WireName> ReadName(std::string_view message, size_t offset) {
  WireName result;
  size_t pos = offset;
  size_t floor = offset;  // every jump must land before where the current run of labels began
  size_t wire_bytes = 0;
  int hops = 0;
  bool jumped = false;
  while (true) {
    if (pos >= message.size()) return Status::DataLoss("DNS name runs past the end of the reply");
    const auto len = static_cast<uint8_t>(message[pos]);
    if ((len & 0xc0) == 0xc0) {
      if (pos + 1 >= message.size()) {
        return Status::DataLoss("DNS name pointer runs past the end of the reply");
      }
      const size_t target =
          (static_cast<size_t>(len & 0x3f) << 8) | static_cast<uint8_t>(message[pos + 1]);
      // Strictly before the start of the labels read so far: then no sequence of jumps can
      // revisit a byte, so loops are impossible whatever the hop limit.
      if (target >= floor) return Status::DataLoss("DNS name pointer does not point backwards");
      floor = target;
      if (++hops > kMaxPointerHops) return Status::DataLoss("DNS name has too many pointers");
      if (!jumped) result.next = pos + 2;
      jumped = true;
      pos = target;
      continue;
    }
    if ((len & 0xc0) != 0) return Status::DataLoss("DNS name uses a reserved label type");
    wire_bytes += 1 + len;
    if (wire_bytes > kMaxNameWireBytes) return Status::DataLoss("DNS name is over 255 bytes");
    if (len == 0) {
      if (!jumped) result.next = pos + 1;
      return result;
    }
    if (pos + 1 + len > message.size()) {
      return Status::DataLoss("DNS label runs past the end of the reply");
    }
    if (!result.name.empty()) result.name += '.';
    for (size_t i = 0; i < len; ++i) result.name += AsciiLower(message[pos + 1 + i]);
    pos += 1 + len;
  }
}

bool SameName(std::string_view a, std::string_view b) {
  a = StripDot(a);
  b = StripDot(b);
  return AsciiEqualsIgnoreCase(a, b);
}

}  // namespace mailrelay::spf
