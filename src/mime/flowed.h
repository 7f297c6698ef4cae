// mime/flowed.h — RFC 3676 format=flowed text/plain: rejoins soft-wrapped lines the way a
// mail client displays them.
#pragma once

#include <string>
#include <string_view>

namespace mailrelay::mime {

// Returns `text` (LF line ends) with flowed lines joined: a line ending in a space
// continues on the next line of the same quote depth; space-stuffing is removed; with
// `delsp` the joining space is deleted too. The "-- " signature separator is never flowed.
std::string DecodeFlowed(std::string_view text, bool delsp);

}  // namespace mailrelay::mime
