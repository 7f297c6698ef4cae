#include "auditlog/entry.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace mailrelay::auditlog {
namespace {

using nlohmann::json;

// Returns OK if `value` holds no floating-point number and nests at most `budget` deep.
Status CheckValue(const json& value, int budget) {
  if (budget <= 0) {
    return Status::InvalidArgument("nested deeper than " + std::to_string(kMaxEntryDepth));
  }
  switch (value.type()) {
    case json::value_t::number_float:
      return Status::InvalidArgument("floating-point numbers are not allowed");
    case json::value_t::binary:
    case json::value_t::discarded:
      return Status::InvalidArgument("not a JSON value");
    case json::value_t::object:
    case json::value_t::array:
      for (const json& child : value) MR_RETURN_IF_ERROR(CheckValue(child, budget - 1));
      return Status::Ok();
    default:
      return Status::Ok();
  }
}

// Returns true if `s` is well-formed UTF-8 (shortest forms, no surrogates, <= U+10FFFF).
bool IsUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80                   ? 1
               : (c >= 0xC2 && c <= 0xDF) ? 2
               : (c & 0xF0) == 0xE0       ? 3
               : (c >= 0xF0 && c <= 0xF4) ? 4
                                          : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1Fu) : n == 3 ? (c & 0x0Fu) : (c & 0x07u);
    for (size_t k = 1; k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n;
  }
  return true;
}

bool Digits(std::string_view s, size_t at, size_t n) {
  for (size_t i = at; i < at + n; ++i) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

bool ValidAction(std::string_view a) {
  if (a.empty()) return false;
  for (char c : a) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Checks the schema of a parsed entry object and fills `out`.
Status FromJson(const json& j, Entry& out) {
  if (!j.is_object()) return Status::InvalidArgument("entry: not a JSON object");
  for (const char* key : {"action", "actor", "details", "index", "time"}) {
    if (!j.contains(key)) {
      return Status::InvalidArgument(std::string("entry: missing field \"") + key + "\"");
    }
  }
  if (j.size() != 5) {
    return Status::InvalidArgument(
        "entry: unknown field (only action, actor, details, index, time are allowed)");
  }
  const json& index = j.at("index");
  if (!index.is_number_unsigned() && !(index.is_number_integer() && index.get<int64_t>() >= 0)) {
    return Status::InvalidArgument("entry: \"index\" must be a non-negative integer");
  }
  if (!j.at("time").is_string() || !CheckEntryTime(j.at("time").get<std::string>()).ok()) {
    return Status::InvalidArgument("entry: \"time\" must be a string YYYY-MM-DDTHH:MM:SS[.f]Z");
  }
  if (!j.at("actor").is_string() || j.at("actor").get<std::string>().empty()) {
    return Status::InvalidArgument("entry: \"actor\" must be a non-empty string");
  }
  if (!j.at("action").is_string() || !ValidAction(j.at("action").get<std::string>())) {
    return Status::InvalidArgument("entry: \"action\" must be a non-empty string of [a-z0-9._-]");
  }
  if (!j.at("details").is_object()) {
    return Status::InvalidArgument("entry: \"details\" must be an object");
  }
  out.index = index.get<uint64_t>();
  out.time = j.at("time").get<std::string>();
  out.actor = j.at("actor").get<std::string>();
  out.action = j.at("action").get<std::string>();
  out.details = j.at("details");
  return Status::Ok();
}

}  // namespace

Status CheckEntryTime(std::string_view t) {
  // 0123456789012345678
  // YYYY-MM-DDTHH:MM:SS
  const bool base = t.size() >= 20 && Digits(t, 0, 4) && t[4] == '-' && Digits(t, 5, 2) &&
                    t[7] == '-' && Digits(t, 8, 2) && t[10] == 'T' && Digits(t, 11, 2) &&
                    t[13] == ':' && Digits(t, 14, 2) && t[16] == ':' && Digits(t, 17, 2);
  bool ok = base && t.back() == 'Z';
  if (ok && t.size() > 20) {
    const size_t frac = t.size() - 21;  // digits between '.' and 'Z'
    ok = t[19] == '.' && frac >= 1 && frac <= 9 && Digits(t, 20, frac);
  }
  if (!ok) {
    return Status::InvalidArgument("time \"" + std::string(t) +
                                   "\" is not RFC 3339 UTC (YYYY-MM-DDTHH:MM:SS[.f]Z)");
  }
  return Status::Ok();
}

StatusOr<std::string> CanonicalJson(const json& value) {
  MR_RETURN_IF_ERROR(CheckValue(value, kMaxEntryDepth));
  try {
    // nlohmann objects are std::map: keys come out sorted by their bytes. No indent means no
    // whitespace; ensure_ascii=false keeps UTF-8 raw; strict error handling rejects bad UTF-8.
    return value.dump(-1, ' ', false, json::error_handler_t::strict);
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("not valid UTF-8: ") + e.what());
  }
}

StatusOr<std::string> EncodeEntry(const Entry& entry) {
  json j = {{"index", entry.index},
            {"time", entry.time},
            {"actor", entry.actor},
            {"action", entry.action},
            {"details", entry.details}};
  Entry checked;
  MR_RETURN_IF_ERROR(FromJson(j, checked));
  MR_ASSIGN_OR_RETURN(std::string out, CanonicalJson(j));
  if (out.size() > kMaxEntryBytes) {
    return Status::ResourceExhausted("entry: " + std::to_string(out.size()) +
                                     " bytes, the limit is " + std::to_string(kMaxEntryBytes));
  }
  return out;
}

std::string_view EntryFaultCode(EntryFault fault) {
  switch (fault) {
    case EntryFault::kNone:
      return "";
    case EntryFault::kInvalidUtf8:
      return "entry-invalid-utf8";
    case EntryFault::kInvalidJson:
      return "entry-invalid-json";
    case EntryFault::kNotCanonical:
      return "entry-not-canonical";
    case EntryFault::kBadSchema:
      return "entry-bad-schema";
  }
  return "";
}

StatusOr<Entry> DecodeEntry(std::string_view stored, EntryFault* fault) {
  EntryFault ignored;
  EntryFault& why = fault ? *fault : ignored;
  why = EntryFault::kInvalidUtf8;
  if (!IsUtf8(stored)) return Status::InvalidArgument("entry: not valid UTF-8");
  why = EntryFault::kInvalidJson;
  if (stored.substr(0, 3) == "\xEF\xBB\xBF") {
    return Status::InvalidArgument("entry: starts with a byte order mark");
  }
  // nlohmann keeps one of two equal keys silently: watch for them, and for depth, while parsing.
  std::vector<std::set<std::string>> open;
  bool duplicate = false;
  size_t depth = 0;
  json::parser_callback_t watch = [&](int, json::parse_event_t ev, json& parsed) {
    if (ev == json::parse_event_t::object_start || ev == json::parse_event_t::array_start) {
      open.emplace_back();
      depth = std::max(depth, open.size());
    } else if (ev == json::parse_event_t::object_end || ev == json::parse_event_t::array_end) {
      if (!open.empty()) open.pop_back();
    } else if (ev == json::parse_event_t::key && !open.empty()) {
      duplicate |= !open.back().insert(parsed.get<std::string>()).second;
    }
    return true;
  };
  json j = json::parse(stored, watch, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument("entry: not valid JSON");
  if (duplicate) return Status::InvalidArgument("entry: an object repeats a key");
  if (depth > static_cast<size_t>(kMaxEntryDepth)) {
    return Status::InvalidArgument("entry: nested deeper than " + std::to_string(kMaxEntryDepth));
  }
  StatusOr<std::string> again = CanonicalJson(j);  // rejects non-integer numbers
  if (!again.ok()) return again.status().WithContext("entry");
  why = EntryFault::kNotCanonical;
  if (*again != stored) return Status::InvalidArgument("entry: not in canonical form");
  why = EntryFault::kBadSchema;
  Entry out;
  MR_RETURN_IF_ERROR(FromJson(j, out));
  why = EntryFault::kNone;
  return out;
}

}  // namespace mailrelay::auditlog
