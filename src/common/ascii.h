// common/ascii.h — ASCII-only case mapping for protocol tokens (header names, charsets,
// domains): 'A'..'Z' only, never locale-dependent, bytes >= 0x80 left as they are.
#pragma once

#include <string>
#include <string_view>

namespace mailrelay {

// Returns `c` lower-cased if it is 'A'..'Z', else `c` unchanged.
inline char AsciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Returns `s` with 'A'..'Z' lower-cased and every other byte unchanged.
inline std::string AsciiLowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

// Returns true when `a` and `b` are equal ignoring ASCII case.
inline bool AsciiEqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

}  // namespace mailrelay
