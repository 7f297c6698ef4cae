// mime/encoded_word.h — RFC 2047 encoded words ("=?charset?B|Q?text?=") in header text.
// Also the one place raw 8-bit header bytes (RFC 6532 or plain sloppy) become UTF-8.
#pragma once

#include <string>
#include <string_view>

namespace mailrelay::mime {

// Returns `text` with every encoded word decoded to UTF-8. Whitespace between two adjacent
// encoded words is dropped (RFC 2047 §6.2); adjacent words in the same charset are joined
// before conversion so a character split across words survives. Words that do not parse
// are left as written. Bytes outside encoded words are taken as UTF-8 when valid, else as
// windows-1252. The result is always valid UTF-8.
std::string DecodeHeaderText(std::string_view text);

// Returns the bytes of an RFC 2047 "Q" encoded text ('_' is a space, "=XX" a byte).
std::string DecodeQEncoding(std::string_view text);

}  // namespace mailrelay::mime
