// mime/utf8.cc — UTF-8 validation and U+FFFD repair (Unicode 15, table 3-7 well-formed
// byte sequences).
#include "mime/utf8.h"

#include <cstdint>
#include <cstring>

namespace mailrelay::mime {
namespace {

// Returns the length of the well-formed sequence starting at `i`, or 0 when ill-formed.
// On 0, `*bad_len` receives the length of the maximal ill-formed subpart to replace.
size_t SequenceLength(std::string_view s, size_t i, size_t* bad_len) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t c = b(i);
  if (c < 0x80) return 1;
  size_t need;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    if (c == 0xE0) lo = 0xA0;  // no overlongs
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    *bad_len = 1;
    return 0;
  }
  size_t k = 1;
  for (; k <= need; ++k) {
    if (i + k >= s.size()) break;
    const uint8_t t = b(i + k);
    const uint8_t l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
    if (t < l || t > h) break;
  }
  if (k == need + 1) return need + 1;
  *bad_len = k;  // lead byte plus the continuation bytes that were still plausible
  return 0;
}

}  // namespace

// Returns the length of the all-ASCII prefix of bytes[from..], checking 8 bytes at a time:
// mail is mostly ASCII, and this is the parser's and the payload's hottest loop.
static size_t AsciiRun(std::string_view bytes, size_t from) {
  size_t i = from;
  while (i + 8 <= bytes.size()) {
    uint64_t word;
    std::memcpy(&word, bytes.data() + i, 8);
    if (word & 0x8080808080808080ull) break;
    i += 8;
  }
  while (i < bytes.size() && static_cast<unsigned char>(bytes[i]) < 0x80) ++i;
  return i - from;
}

bool IsValidUtf8(std::string_view bytes) {
  size_t bad = 0;
  for (size_t i = 0; i < bytes.size();) {
    i += AsciiRun(bytes, i);
    if (i == bytes.size()) break;
    const size_t n = SequenceLength(bytes, i, &bad);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string SanitizeUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  size_t bad = 0;
  for (size_t i = 0; i < bytes.size();) {
    const size_t ascii = AsciiRun(bytes, i);
    out.append(bytes.substr(i, ascii));
    i += ascii;
    if (i == bytes.size()) break;
    const size_t n = SequenceLength(bytes, i, &bad);
    if (n == 0) {
      out += kReplacementChar;
      i += bad;
    } else {
      out.append(bytes.substr(i, n));
      i += n;
    }
  }
  return out;
}

void AppendUtf8(std::string& out, char32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    out += kReplacementChar;
  } else if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace mailrelay::mime
