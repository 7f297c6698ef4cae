// mime/transfer_encoding.cc — base64, quoted-printable and uuencode decoding, base64
// encoding. Pure byte munging; see the header for the leniency rules.
#include "mime/transfer_encoding.h"

#include <array>
#include <cstdint>

#include "common/ascii.h"

namespace mailrelay::mime {
namespace {

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> MakeBase64Table() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (size_t i = 0; i < kBase64Alphabet.size(); ++i) {
    t[static_cast<uint8_t>(kBase64Alphabet[i])] = static_cast<int8_t>(i);
  }
  // The URL-safe alphabet turns up in the wild; it cannot clash with the standard one.
  t['-'] = 62;
  t['_'] = 63;
  return t;
}
constexpr std::array<int8_t, 256> kBase64Table = MakeBase64Table();

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (IsBlank(s.front()) || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (IsBlank(s.back()) || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

std::string DecodeBase64(std::string_view text) {
  // Writes through a pointer into a buffer sized for the worst case: per-byte push_back was
  // the parser's hottest line on attachment-heavy mail.
  std::string out(text.size() / 4 * 3 + 3, '\0');
  char* w = out.data();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') {
      // Padding ends this quantum: whatever full bytes are buffered were already emitted,
      // the leftover bits are padding. Starting afresh lets "QQ==QQ==" decode as two blocks.
      acc = 0;
      bits = 0;
      continue;
    }
    const int8_t v = kBase64Table[static_cast<uint8_t>(c)];
    if (v < 0) continue;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *w++ = static_cast<char>((acc >> bits) & 0xFF);
      acc &= (1u << bits) - 1;
    }
  }
  out.resize(static_cast<size_t>(w - out.data()));
  return out;
}

std::string DecodeQuotedPrintable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    // Find the end of this line (exclusive of the line break).
    size_t eol = text.find('\n', i);
    const bool has_break = eol != std::string_view::npos;
    if (!has_break) eol = text.size();
    size_t end = eol;
    if (has_break && end > i && text[end - 1] == '\r') --end;
    std::string_view line = text.substr(i, end - i);
    // RFC 2045 6.7 (3): trailing blanks were added in transport and must be removed.
    while (!line.empty() && IsBlank(line.back())) line.remove_suffix(1);
    bool soft_break = false;
    if (!line.empty() && line.back() == '=') {
      soft_break = true;
      line.remove_suffix(1);
    }
    for (size_t k = 0; k < line.size(); ++k) {
      const char c = line[k];
      if (c == '=') {
        const int hi = k + 1 < line.size() ? HexValue(line[k + 1]) : -1;
        const int lo = k + 2 < line.size() ? HexValue(line[k + 2]) : -1;
        if (hi >= 0 && lo >= 0) {
          out += static_cast<char>(hi * 16 + lo);
          k += 2;
          continue;
        }
      }
      out += c;  // a malformed "=" stays literal, as RFC 2045 suggests
    }
    if (has_break && !soft_break) out.append(text.substr(end, eol + 1 - end));
    i = has_break ? eol + 1 : text.size();
  }
  return out;
}

std::string DecodeUuencode(std::string_view text, std::string* file_name) {
  std::string out;
  size_t i = 0;
  bool in_body = false;
  while (i < text.size()) {
    size_t eol = text.find('\n', i);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(i, eol - i);
    i = eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!in_body) {
      if (line.substr(0, 6) == "begin ") {
        in_body = true;
        if (file_name != nullptr) {
          // "begin 644 name": the name is everything after the mode.
          std::string_view rest = line.substr(6);
          const size_t sp = rest.find(' ');
          *file_name = sp == std::string_view::npos ? "" : std::string(Trim(rest.substr(sp)));
        }
      }
      continue;
    }
    if (line == "end" || line.empty()) {
      if (line == "end") break;
      continue;
    }
    // The first character encodes the byte count; each following character carries six
    // bits as (c - 32) & 63 (so '`' and ' ' both mean zero).
    const size_t count = static_cast<size_t>((line[0] - 32) & 63);
    if (count == 0) continue;
    size_t produced = 0;
    for (size_t k = 1; k < line.size() && produced < count; k += 4) {
      uint32_t group = 0;
      for (size_t j = 0; j < 4; ++j) {
        const char c = k + j < line.size() ? line[k + j] : ' ';
        group = (group << 6) | static_cast<uint32_t>((c - 32) & 63);
      }
      for (int shift = 16; shift >= 0 && produced < count; shift -= 8, ++produced) {
        out += static_cast<char>((group >> shift) & 0xFF);
      }
    }
  }
  return out;
}

bool HasUuencodeBegin(std::string_view text) {
  return text.substr(0, 6) == "begin " || text.find("\nbegin ") != std::string_view::npos;
}

std::string DecodeTransferEncoding(std::string_view body, std::string_view encoding) {
  const std::string e = AsciiLowercase(Trim(encoding));
  if (e == "base64") return DecodeBase64(body);
  if (e == "quoted-printable") return DecodeQuotedPrintable(body);
  if (e == "x-uuencode" || e == "uuencode" || e == "x-uue") {
    // A part labelled uuencode that holds no "begin" line keeps its bytes (nothing to lose).
    if (!HasUuencodeBegin(body)) return std::string(body);
    return DecodeUuencode(body);
  }
  return std::string(body);
}

std::string EncodeBase64(std::string_view bytes) {
  std::string out((bytes.size() + 2) / 3 * 4, '\0');
  char* w = out.data();
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t n = static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << 16 |
                       static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 1])) << 8 |
                       static_cast<uint8_t>(bytes[i + 2]);
    w[0] = kBase64Alphabet[(n >> 18) & 63];
    w[1] = kBase64Alphabet[(n >> 12) & 63];
    w[2] = kBase64Alphabet[(n >> 6) & 63];
    w[3] = kBase64Alphabet[n & 63];
    w += 4;
  }
  if (i < bytes.size()) {
    uint32_t n = static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << 16;
    const bool two = i + 1 < bytes.size();
    if (two) n |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 1])) << 8;
    w[0] = kBase64Alphabet[(n >> 18) & 63];
    w[1] = kBase64Alphabet[(n >> 12) & 63];
    w[2] = two ? kBase64Alphabet[(n >> 6) & 63] : '=';
    w[3] = '=';
  }
  return out;
}

}  // namespace mailrelay::mime
