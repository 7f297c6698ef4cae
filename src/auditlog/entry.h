// auditlog/entry.h — an audit entry and its canonical, stored form.
//
// The stored bytes are canonical JSON: an object with exactly the keys action, actor,
// details, index, time; keys sorted by their UTF-8 bytes; no insignificant whitespace;
// strings as raw UTF-8 with only '"', '\\' and control characters escaped; integers only
// (no fractions or exponents); nesting at most kMaxEntryDepth. The leaf hash covers these
// bytes exactly (HashLeaf(stored)); exports write them unchanged, one per line. See
// audit/FORMAT.md.
//
//   Entry e{.index = 7, .time = "2024-05-01T12:00:00.123Z", .actor = "cli:alice",
//           .action = "keys.rotate", .details = {{"region", "eu"}, {"version", 3}}};
//   StatusOr<std::string> stored = EncodeEntry(e);
//
// Entries never carry an address, subject line or IP in plain text: callers put the audit
// pseudonym in details instead. Pure and thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/status.h"

namespace mailrelay::auditlog {

inline constexpr size_t kMaxEntryBytes = 64 * 1024;  // a writer-side limit
inline constexpr int kMaxEntryDepth = 32;            // the entry object itself is depth 1

struct Entry {
  uint64_t index = 0;  // the leaf position, from 0
  std::string time;    // RFC 3339 UTC: YYYY-MM-DDTHH:MM:SS[.1-9 digits]Z
  std::string actor;   // who acted, non-empty (e.g. "cli:alice", "api:token-3", "system")
  std::string action;  // what was done: non-empty, [a-z0-9._-] (e.g. "keys.rotate")
  nlohmann::json details = nlohmann::json::object();  // an object; no floats
};

// Returns the canonical stored bytes of `entry`. InvalidArgument naming the field when a
// field breaks the schema above (including invalid UTF-8); ResourceExhausted over
// kMaxEntryBytes.
StatusOr<std::string> EncodeEntry(const Entry& entry);

// Why stored bytes are not an entry, in the order audit/FORMAT.md §7 step 2 checks.
enum class EntryFault {
  kNone,
  kInvalidUtf8,   // "entry-invalid-utf8"
  kInvalidJson,   // "entry-invalid-json": not JSON, duplicate key, non-integer, too deep, BOM
  kNotCanonical,  // "entry-not-canonical"
  kBadSchema,     // "entry-bad-schema"
};

// Returns the FORMAT.md failure code of `fault` ("" for kNone).
std::string_view EntryFaultCode(EntryFault fault);

// Returns the entry stored as `stored`. InvalidArgument if the bytes are not UTF-8, not
// JSON (as FORMAT.md restricts it), not in canonical form, or break the schema; `fault`,
// when given, says which check failed first.
StatusOr<Entry> DecodeEntry(std::string_view stored, EntryFault* fault = nullptr);

// Returns the canonical JSON text of `value` (sorted keys, compact, raw UTF-8).
// InvalidArgument on a floating-point number, invalid UTF-8 or nesting over kMaxEntryDepth.
StatusOr<std::string> CanonicalJson(const nlohmann::json& value);

// Returns OK if `time` is YYYY-MM-DDTHH:MM:SS, optionally .d{1,9}, then Z.
Status CheckEntryTime(std::string_view time);

}  // namespace mailrelay::auditlog
