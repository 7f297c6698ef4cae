// mime/utf8.h — UTF-8 validity checks and repair.
// Every string the parser hands out goes through here, so consumers (JSON) never see bad bytes.
#pragma once

#include <string>
#include <string_view>

namespace mailrelay::mime {

// Returns true when `bytes` is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF).
bool IsValidUtf8(std::string_view bytes);

// Returns `bytes` with every ill-formed sequence replaced by U+FFFD (one per maximal bad
// subpart, as the Unicode standard recommends). Valid input is returned unchanged.
std::string SanitizeUtf8(std::string_view bytes);

// Appends the UTF-8 encoding of `code_point` (U+FFFD when it is not a scalar value).
void AppendUtf8(std::string& out, char32_t code_point);

inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

}  // namespace mailrelay::mime
