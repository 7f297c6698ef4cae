// common/time_format.h — the one spelling of times in documents and on the command line:
// RFC 3339 UTC with milliseconds out; unix ms, a date, or an RFC 3339 UTC time in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailrelay {

// Returns "2026-11-28T04:34:05.123Z" for `unix_ms`.
std::string FormatRfc3339(int64_t unix_ms);

// Returns unix ms for "1700000000000" (unix ms), "2026-11-28" (00:00:00Z that day),
// "2026-11-28T10:00:00Z" or "2026-11-28T10:00:00.250Z"; nullopt for anything else.
std::optional<int64_t> ParseTimeMs(std::string_view text);

// Returns the current time in unix ms.
int64_t WallNowMs();

}  // namespace mailrelay
