// checks.cc — see checks.h. Only libsodium (SHA-256, Ed25519, base64) and nlohmann/json.
#include "checks.h"

#include <sodium.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

namespace auditverify {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = 32;

Problem P(std::string code, std::string message) { return {std::move(code), std::move(message)}; }

template <typename T>
Checked<T> Fail(std::string code, std::string message) {
  Checked<T> c;
  c.problem = P(std::move(code), std::move(message));
  return c;
}

template <typename T>
Checked<T> Pass(T value) {
  Checked<T> c;
  c.value = std::move(value);
  return c;
}

// Returns true if `s` is well-formed UTF-8 (RFC 3629: shortest form, no surrogates).
bool IsUtf8(std::string_view s, size_t* bad_at) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    size_t len = b0 < 0x80           ? 1
                 : (b0 >> 5) == 0x6  ? 2
                 : (b0 >> 4) == 0xE  ? 3
                 : (b0 >> 3) == 0x1E ? 4
                                     : 0;
    if (len == 0 || i + len > s.size()) break;
    unsigned long cp = len == 1   ? b0
                       : len == 2 ? (b0 & 0x1F)
                       : len == 3 ? (b0 & 0x0F)
                                  : (b0 & 0x07);
    bool good = true;
    for (size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) good = false;
      cp = (cp << 6) | (b & 0x3F);
    }
    static constexpr unsigned long kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (!good || cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) break;
    i += len;
  }
  if (bad_at) *bad_at = i;
  return i == s.size();
}

// Note text rule: UTF-8 and no control characters other than LF (§4).
bool IsNoteText(std::string_view s) {
  if (!IsUtf8(s, nullptr)) return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n') || u == 0x7F) return false;
  }
  return true;
}

std::optional<std::string> FromBase64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(len);
  if (Base64(reinterpret_cast<const unsigned char*>(out.data()), out.size()) != text) {
    return std::nullopt;  // non-canonical spelling
  }
  return out;
}

std::string Hex(const unsigned char* p, size_t n) {
  std::string s;
  char buf[3];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", p[i]);
    s += buf;
  }
  return s;
}

bool IsKeyName(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  for (char c : name) {
    if (c < 0x21 || c > 0x7E || c == '+') return false;
  }
  return true;
}

bool IsTime(const std::string& t) {
  auto digits = [&](size_t at, size_t n) {
    for (size_t i = at; i < at + n; ++i) {
      if (i >= t.size() || t[i] < '0' || t[i] > '9') return false;
    }
    return true;
  };
  static const char kShape[] = "dddd-dd-ddTdd:dd:dd";
  if (t.size() < 20 || t.back() != 'Z') return false;
  for (size_t i = 0; i < 19; ++i) {
    if (kShape[i] == 'd' ? !digits(i, 1) : t[i] != kShape[i]) return false;
  }
  if (t.size() == 20) return true;
  const size_t frac = t.size() - 21;
  return t[19] == '.' && frac >= 1 && frac <= 9 && digits(20, frac);
}

bool IsAction(const std::string& a) {
  if (a.empty()) return false;
  for (char c : a) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

bool HasFloat(const json& v) {
  if (v.is_number_float()) return true;
  if (v.is_structured()) {
    for (const json& c : v) {
      if (HasFloat(c)) return true;
    }
  }
  return false;
}

}  // namespace

std::string Base64(const unsigned char* data, size_t len) {
  std::string out(sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data, len, sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();
  return out;
}

std::string Trim(std::string_view s) {
  const char* ws = " \t\r\n";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(ws) - b + 1));
}

// --- entries ---

Checked<uint64_t> CheckEntry(std::string_view line) {
  size_t bad_at = 0;
  if (!IsUtf8(line, &bad_at)) {
    return Fail<uint64_t>("entry-invalid-utf8", "not UTF-8 at byte " + std::to_string(bad_at));
  }
  if (line.substr(0, 3) == "\xEF\xBB\xBF") {
    return Fail<uint64_t>("entry-invalid-json", "starts with a byte order mark");
  }
  // Track depth and duplicate keys while parsing: nlohmann would silently keep one value.
  std::vector<std::set<std::string>> open;  // one slot per open container; keys for objects
  bool duplicate = false;
  size_t max_depth = 0;
  json::parser_callback_t watch = [&](int, json::parse_event_t ev, json& parsed) {
    switch (ev) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        open.emplace_back();
        max_depth = std::max(max_depth, open.size());
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!open.empty()) open.pop_back();
        break;
      case json::parse_event_t::key:
        if (!open.empty() && !open.back().insert(parsed.get<std::string>()).second) {
          duplicate = true;
        }
        break;
      default:
        break;
    }
    return true;
  };
  json value;
  try {
    value = json::parse(line.begin(), line.end(), watch, /*allow_exceptions=*/true);
  } catch (const json::exception& e) {
    return Fail<uint64_t>("entry-invalid-json", e.what());
  }
  if (duplicate) return Fail<uint64_t>("entry-invalid-json", "an object repeats a key");
  if (max_depth > kMaxDepth) {
    return Fail<uint64_t>("entry-invalid-json", "nested deeper than " + std::to_string(kMaxDepth));
  }
  if (HasFloat(value)) {
    return Fail<uint64_t>("entry-invalid-json", "a number is not an integer in [-2^63, 2^64-1]");
  }
  std::string canonical;
  try {
    canonical = value.dump(-1, ' ', false, json::error_handler_t::strict);
  } catch (const json::exception& e) {
    return Fail<uint64_t>("entry-invalid-json", e.what());
  }
  if (canonical != line) {
    return Fail<uint64_t>("entry-not-canonical",
                          "bytes differ from the canonical JSON of the same value");
  }
  if (!value.is_object()) return Fail<uint64_t>("entry-bad-schema", "not a JSON object");
  const std::set<std::string> want = {"action", "actor", "details", "index", "time"};
  std::set<std::string> have;
  for (const auto& item : value.items()) have.insert(item.key());
  if (have != want) {
    return Fail<uint64_t>("entry-bad-schema",
                          "fields must be exactly action, actor, details, index, time");
  }
  const json& index = value["index"];
  if (!index.is_number_unsigned()) {  // nlohmann parses every non-negative integer as unsigned
    return Fail<uint64_t>("entry-bad-schema", "\"index\" must be a non-negative integer");
  }
  if (!value["time"].is_string() || !IsTime(value["time"].get<std::string>())) {
    return Fail<uint64_t>("entry-bad-schema", "\"time\" must be YYYY-MM-DDTHH:MM:SS[.f]Z");
  }
  if (!value["actor"].is_string() || value["actor"].get<std::string>().empty()) {
    return Fail<uint64_t>("entry-bad-schema", "\"actor\" must be a non-empty string");
  }
  if (!value["action"].is_string() || !IsAction(value["action"].get<std::string>())) {
    return Fail<uint64_t>("entry-bad-schema",
                          "\"action\" must be a non-empty string of [a-z0-9._-]");
  }
  if (!value["details"].is_object()) {
    return Fail<uint64_t>("entry-bad-schema", "\"details\" must be an object");
  }
  return Pass(index.get<uint64_t>());
}

// --- tree ---

Digest LeafHash(std::string_view stored) {
  std::string buf(1, '\0');
  buf.append(stored);
  Digest d;
  crypto_hash_sha256(d.data(), reinterpret_cast<const unsigned char*>(buf.data()), buf.size());
  return d;
}

Digest RootOf(const std::vector<Digest>& leaves) {
  Digest d;
  if (leaves.empty()) {
    crypto_hash_sha256(d.data(), nullptr, 0);
    return d;
  }
  std::vector<Digest> level = leaves;
  while (level.size() > 1) {
    std::vector<Digest> up;
    up.reserve(level.size() / 2 + 1);
    for (size_t i = 0; i + 1 < level.size(); i += 2) {
      unsigned char buf[65];
      buf[0] = 0x01;
      std::copy(level[i].begin(), level[i].end(), buf + 1);
      std::copy(level[i + 1].begin(), level[i + 1].end(), buf + 33);
      crypto_hash_sha256(d.data(), buf, sizeof buf);
      up.push_back(d);
    }
    if (level.size() % 2 == 1) up.push_back(level.back());  // carried up unchanged
    level.swap(up);
  }
  return level[0];
}

// --- keys and notes ---

std::string Key::Label() const { return name + "+" + Hex(id.data(), id.size()); }

Checked<Key> ParseVkey(std::string_view text) {
  const std::string s = Trim(text);
  const size_t p1 = s.find('+');
  const size_t p2 = p1 == std::string::npos ? p1 : s.find('+', p1 + 1);
  if (p2 == std::string::npos) {
    return Fail<Key>("vkey-malformed", "expected <name>+<hex id>+<base64 key>");
  }
  Key k;
  k.name = s.substr(0, p1);
  const std::string hex = s.substr(p1 + 1, p2 - p1 - 1);
  if (!IsKeyName(k.name)) return Fail<Key>("vkey-malformed", "invalid key name");
  if (hex.size() != 8 || hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return Fail<Key>("vkey-malformed", "key id must be 8 lower-case hex digits");
  }
  const std::optional<std::string> raw = FromBase64(s.substr(p2 + 1));
  if (!raw || raw->size() != 33 || (*raw)[0] != '\x01') {
    return Fail<Key>("vkey-malformed", "key must be base64 of 0x01 || 32-byte Ed25519 key");
  }
  std::copy(raw->begin() + 1, raw->end(), k.public_key.begin());
  std::string idinput = k.name + "\n" + *raw;  // name || LF || 0x01 || key
  Digest d;
  crypto_hash_sha256(d.data(), reinterpret_cast<const unsigned char*>(idinput.data()),
                     idinput.size());
  std::copy(d.begin(), d.begin() + 4, k.id.begin());
  if (Hex(k.id.data(), 4) != hex) {
    return Fail<Key>("vkey-malformed", "key id " + hex +
                                           " does not match the name and key (expected " +
                                           Hex(k.id.data(), 4) + ")");
  }
  return Pass(k);
}

Checked<CheckpointBody> OpenCheckpoint(std::string_view note, const Key& key,
                                       const std::string& prefix) {
  auto fail = [&](const std::string& code, const std::string& msg) {
    return Fail<CheckpointBody>(prefix + code, msg);
  };
  const std::string malformed = "checkpoint-malformed-note";
  if (!IsNoteText(note)) return fail(malformed, "not UTF-8 text without control characters");
  const size_t split = note.find("\n\n");
  if (split == std::string_view::npos || note.front() == '\n') {
    return fail(malformed, "no blank line between the text and the signatures");
  }
  const std::string_view text = note.substr(0, split + 1);
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n') {
    return fail(malformed, "the signature block must be lines ending in a newline");
  }
  const std::string_view dash = "\xE2\x80\x94 ";
  std::optional<std::string> ours;
  std::string others;
  for (int n = 1; !sigs.empty(); ++n) {
    if (n > 100) return fail(malformed, "more than 100 signature lines");
    const size_t nl = sigs.find('\n');
    std::string_view line = sigs.substr(0, nl);
    sigs.remove_prefix(nl + 1);
    const std::string where = "signature line " + std::to_string(n);
    if (line.substr(0, dash.size()) != dash) {
      return fail(malformed, where + " does not start with an em dash and a space");
    }
    line.remove_prefix(dash.size());
    const size_t sp = line.find(' ');
    if (sp == 0 || sp == std::string_view::npos) return fail(malformed, where + " has no key name");
    const std::optional<std::string> blob = FromBase64(line.substr(sp + 1));
    if (!blob || blob->size() < 5) {
      return fail(malformed, where + " is not base64 of key id and signature");
    }
    const std::string_view name = line.substr(0, sp);
    if (name == key.name &&
        std::equal(key.id.begin(), key.id.end(), blob->begin(),
                   [](unsigned char a, char b) { return a == static_cast<unsigned char>(b); })) {
      if (ours) return fail(malformed, "two signature lines by key " + key.Label());
      ours = blob->substr(4);
    } else {
      others += (others.empty() ? "" : ", ") + std::string(name) + "+" +
                Hex(reinterpret_cast<const unsigned char*>(blob->data()), 4);
    }
  }
  if (!ours) {
    return fail("checkpoint-unsigned",
                "no signature by key " + key.Label() + " (signed by: " + others + ")");
  }
  if (ours->size() != crypto_sign_BYTES ||
      crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(ours->data()),
                                  reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                                  key.public_key.data()) != 0) {
    return fail("checkpoint-bad-signature",
                "the signature by key " + key.Label() + " does not verify");
  }

  // Only now look at the signed body.
  std::vector<std::string> lines;
  for (std::string_view rest = text; !rest.empty();) {
    const size_t nl = rest.find('\n');
    lines.emplace_back(rest.substr(0, nl));
    rest.remove_prefix(nl + 1);
  }
  if (lines.size() < 3) return fail("checkpoint-malformed", "needs origin, size and root lines");
  CheckpointBody cp;
  cp.origin = lines[0];
  if (cp.origin.empty()) return fail("checkpoint-malformed", "empty origin");
  const std::string& size = lines[1];
  if (size.empty() || size.size() > 20 || (size.size() > 1 && size[0] == '0') ||
      size.find_first_not_of("0123456789") != std::string::npos ||
      (size.size() == 20 && size > "18446744073709551615")) {
    return fail("checkpoint-malformed",
                "size \"" + size + "\" is not a decimal number without leading zeros");
  }
  cp.size = std::stoull(size);
  const std::optional<std::string> root = FromBase64(lines[2]);
  if (!root || root->size() != 32)
    return fail("checkpoint-malformed", "root is not base64 of 32 bytes");
  std::copy(root->begin(), root->end(), cp.root.begin());
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) return fail("checkpoint-malformed", "empty extension line");
  }
  if (cp.origin != key.name) {
    return fail("checkpoint-origin-mismatch",
                "origin \"" + cp.origin + "\" is not the log key's name \"" + key.name + "\"");
  }
  return Pass(cp);
}

}  // namespace auditverify
