// mime/encoded_word.cc — decodes RFC 2047 encoded words leniently (RFC 2231 language
// suffixes, any case, words glued to text, mixed charsets).
#include "mime/encoded_word.h"

#include <vector>

#include "common/ascii.h"
#include "mime/charset.h"
#include "mime/transfer_encoding.h"

namespace mailrelay::mime {
namespace {

struct Segment {
  bool encoded = false;
  std::string charset;  // lower-case, encoded segments only
  std::string bytes;    // decoded bytes (encoded) or raw text
};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool IsWhitespace(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

// Tries to read an encoded word at `pos` (which points at "=?"). On success fills `seg`,
// sets `*end` past the closing "?=" and returns true.
bool ReadEncodedWord(std::string_view s, size_t pos, Segment* seg, size_t* end) {
  const size_t cs_start = pos + 2;
  const size_t q1 = s.find('?', cs_start);
  if (q1 == std::string_view::npos || q1 == cs_start || q1 + 2 >= s.size()) return false;
  std::string_view charset = s.substr(cs_start, q1 - cs_start);
  if (charset.find_first_of(" \t\r\n=") != std::string_view::npos) return false;
  const char enc = s[q1 + 1];
  if (s[q1 + 2] != '?') return false;
  const size_t text_start = q1 + 3;
  // Encoded text holds no '?' and no whitespace (RFC 2047 §5), so the word must close at
  // the next '?'. Stopping there also keeps decoding linear on hostile "=?a?b?…" input.
  const size_t close = s.find('?', text_start);
  if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != '=') {
    return false;
  }
  std::string_view text = s.substr(text_start, close - text_start);
  if (text.find_first_of(" \t\r\n") != std::string_view::npos) return false;
  // RFC 2231 §5 allows "charset*language".
  const size_t star = charset.find('*');
  if (star != std::string_view::npos) charset = charset.substr(0, star);
  if (enc == 'B' || enc == 'b') {
    seg->bytes = DecodeBase64(text);
  } else if (enc == 'Q' || enc == 'q') {
    seg->bytes = DecodeQEncoding(text);
  } else {
    return false;
  }
  seg->encoded = true;
  seg->charset = AsciiLowercase(charset);
  *end = close + 2;
  return true;
}

}  // namespace

std::string DecodeQEncoding(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '_') {
      out += ' ';
      continue;
    }
    if (c == '=' && i + 1 < text.size()) {
      const int hi = HexValue(text[i + 1]);
      const int lo = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += c;  // a malformed escape stays readable
  }
  return out;
}

std::string DecodeHeaderText(std::string_view text) {
  if (text.find("=?") == std::string_view::npos) return ToUtf8(text, "");
  std::vector<Segment> segments;
  size_t i = 0;
  size_t raw_start = 0;
  while (i < text.size()) {
    const size_t at = text.find("=?", i);
    if (at == std::string_view::npos) break;
    Segment seg;
    size_t end = 0;
    if (!ReadEncodedWord(text, at, &seg, &end)) {
      i = at + 2;
      continue;
    }
    if (at > raw_start)
      segments.push_back({false, "", std::string(text.substr(raw_start, at - raw_start))});
    segments.push_back(std::move(seg));
    i = raw_start = end;
  }
  if (raw_start < text.size()) segments.push_back({false, "", std::string(text.substr(raw_start))});

  std::string out;
  for (size_t k = 0; k < segments.size(); ++k) {
    const Segment& seg = segments[k];
    if (!seg.encoded) {
      // Whitespace between two encoded words is folding, not content.
      const bool between_words =
          k > 0 && k + 1 < segments.size() && segments[k - 1].encoded && segments[k + 1].encoded;
      if (between_words && IsWhitespace(seg.bytes)) continue;
      out += ToUtf8(seg.bytes, "");
      continue;
    }
    // Join the bytes of following same-charset words (skipping whitespace between them).
    std::string bytes = seg.bytes;
    size_t next = k + 1;
    while (true) {
      size_t n = next;
      if (n < segments.size() && !segments[n].encoded && IsWhitespace(segments[n].bytes)) ++n;
      if (n < segments.size() && segments[n].encoded && segments[n].charset == seg.charset) {
        bytes += segments[n].bytes;
        next = n + 1;
        k = n;
      } else {
        break;
      }
    }
    out += ToUtf8(bytes, seg.charset);
  }
  return out;
}

}  // namespace mailrelay::mime
