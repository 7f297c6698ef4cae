// mime/charset.h — converts text in a MIME charset to UTF-8 (glibc iconv underneath).
// Never fails: undecodable bytes become U+FFFD, unknown charsets fall back (see ToUtf8).
#pragma once

#include <string>
#include <string_view>

namespace mailrelay::mime {

// Returns `bytes` converted from `charset` (a MIME charset name, any case) to valid UTF-8.
// Labels are mapped to the superset mail clients actually decode with (iso-8859-1 and
// us-ascii → windows-1252, shift_jis → CP932, gb2312/gbk → GB18030, euc-kr → CP949, …).
// An empty, unknown or "us-ascii"-with-8-bit-bytes charset is treated as UTF-8 when the
// bytes are valid UTF-8, else as windows-1252, because that is what such mail really is.
std::string ToUtf8(std::string_view bytes, std::string_view charset);

// Returns true when glibc iconv can convert from `charset` (after the mapping above).
bool IsKnownCharset(std::string_view charset);

}  // namespace mailrelay::mime
