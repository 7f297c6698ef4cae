// mime/date.h — RFC 5322 §3.3 date-time parsing (with the obsolete and sloppy forms mail
// really carries), for the Date header.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailrelay::mime {

// Returns the instant in `value` as seconds since the Unix epoch (UTC), or nullopt when no
// day, month, year and time can be found. Accepts an optional weekday, 2- and 3-digit years
// (RFC 5322 §4.3), seconds omitted, "+hhmm"/"-hhmm", UT/GMT/Z and the US zone names;
// military and unknown zones count as +0000. Tokens may come in asctime() order.
std::optional<int64_t> ParseDate(std::string_view value);

// Returns `seconds` since the epoch as "YYYY-MM-DDTHH:MM:SS.000Z" (JavaScript's toISOString).
std::string FormatIsoUtc(int64_t seconds);

}  // namespace mailrelay::mime
