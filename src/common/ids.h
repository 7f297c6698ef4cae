// common/ids.h — time-ordered unique ids (ULID layout: 48-bit ms time + 80 random bits,
// Crockford base32, 26 chars), so ids sort by creation time and reveal nothing else.
#pragma once

#include <cstdint>
#include <string>

namespace mailrelay {

// Returns a new id for the given Unix time in milliseconds.
std::string NewSortableId(uint64_t unix_ms);
// Returns a new id for now.
std::string NewSortableId();

}  // namespace mailrelay
