// smtp/path.cc — RFC 5321 4.1.2 path grammar, extended by RFC 6531 3.3 for UTF-8.
// A hand-written recursive-descent scanner: each rule is a function advancing `pos_`.
#include "smtp/path.h"

#include <cstring>

#include "common/ascii.h"

namespace mailrelay::smtp {
namespace {

constexpr size_t kMaxDomain = 255;  // RFC 5321 4.5.3.1.2
constexpr size_t kMaxLabel = 63;    // RFC 1035 2.3.4

bool IsAlpha(unsigned char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
bool IsNonAscii(unsigned char c) { return c >= 0x80; }

// atext (RFC 5322 3.2.3), plus UTF-8 bytes (RFC 6531 3.3); UTF-8 validity is checked later.
bool IsAtext(unsigned char c) {
  return IsAlpha(c) || IsDigit(c) || IsNonAscii(c) ||
         (c != 0 && std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr);
}

// A label character; U-labels (RFC 6531) arrive as UTF-8 bytes.
bool IsLetDig(unsigned char c) { return IsAlpha(c) || IsDigit(c) || IsNonAscii(c); }

class Scanner {
 public:
  explicit Scanner(std::string_view in) : in_(in) {}

  size_t pos() const { return pos_; }
  bool AtEnd() const { return pos_ >= in_.size(); }
  unsigned char Peek() const { return AtEnd() ? 0 : static_cast<unsigned char>(in_[pos_]); }
  bool Take(char c) {
    if (AtEnd() || in_[pos_] != c) return false;
    ++pos_;
    return true;
  }

  // Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str].
  bool Domain() {
    size_t start = pos_;
    while (true) {
      size_t label = pos_;
      if (!IsLetDig(Peek())) return false;
      while (IsLetDig(Peek()) || Peek() == '-') ++pos_;
      if (in_[pos_ - 1] == '-' || pos_ - label > kMaxLabel) return false;
      if (!Take('.')) break;
    }
    return pos_ - start <= kMaxDomain;
  }

  // address-literal = "[" ( IPv4 / "IPv6:" IPv6 / tag ":" 1*dcontent ) "]".
  bool AddressLiteral() {
    if (!Take('[')) return false;
    size_t start = pos_;
    while (!AtEnd() && Peek() != ']') {
      unsigned char c = Peek();
      // dcontent (RFC 5321 4.1.3) excludes '[', '\' and ']' and everything non-printable.
      if (c < 33 || c > 126 || c == '[' || c == '\\') return false;
      ++pos_;
    }
    std::string_view body = in_.substr(start, pos_ - start);
    if (!Take(']')) return false;
    return IsIpv4(body) || IsIpv6Literal(body) || IsGeneralLiteral(body);
  }

  // Local-part = Dot-string / Quoted-string.
  bool LocalPart() {
    if (Peek() == '"') return QuotedString();
    while (true) {
      if (!IsAtext(Peek())) return false;
      while (IsAtext(Peek())) ++pos_;
      if (!Take('.')) return true;
    }
  }

  // A-d-l = At-domain *( "," At-domain ) ":" — the obsolete source route.
  bool SourceRoute() {
    do {
      if (!Take('@') || !Domain()) return false;
    } while (Take(','));
    return Take(':');
  }

 private:
  // Quoted-string = DQUOTE *( qtextSMTP / quoted-pairSMTP ) DQUOTE.
  bool QuotedString() {
    if (!Take('"')) return false;
    while (!AtEnd()) {
      unsigned char c = Peek();
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c == '\\') {
        ++pos_;
        unsigned char q = Peek();
        if (q < 32 || q > 126) return false;
        ++pos_;
        continue;
      }
      if (!((c >= 32 && c <= 126) || IsNonAscii(c))) return false;
      ++pos_;
    }
    return false;
  }

  static bool IsIpv4(std::string_view s) {
    int parts = 0;
    size_t i = 0;
    while (true) {
      size_t start = i;
      int value = 0;
      while (i < s.size() && IsDigit(s[i]) && i - start < 3) value = value * 10 + (s[i++] - '0');
      if (i == start || value > 255) return false;
      ++parts;
      if (i == s.size()) return parts == 4;
      if (s[i] != '.' || parts == 4) return false;
      ++i;
    }
  }

  // Loose on purpose: the literal is only echoed, never used to connect anywhere.
  static bool IsIpv6Literal(std::string_view s) {
    if (s.size() < 7 || !AsciiEqualsIgnoreCase(s.substr(0, 5), "IPv6:")) return false;
    for (char c : s.substr(5)) {
      if (!(IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
            c == '.')) {
        return false;
      }
    }
    return true;
  }

  // General-address-literal = Standardized-tag ":" 1*dcontent.
  static bool IsGeneralLiteral(std::string_view s) {
    size_t colon = s.find(':');
    if (colon == 0 || colon == std::string_view::npos || colon + 1 == s.size()) return false;
    for (size_t i = 0; i < colon; ++i) {
      unsigned char c = s[i];
      if (!(IsAlpha(c) || IsDigit(c) || c == '-')) return false;
    }
    return s[colon - 1] != '-';
  }

  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    unsigned int cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      unsigned char cc = s[i + k];
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return false;
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;
    i += len;
  }
  return true;
}

std::optional<ParsedPath> ParsePath(std::string_view in, PathOptions options) {
  Scanner s(in);
  if (!s.Take('<')) return std::nullopt;
  if (s.Take('>')) {
    if (!options.allow_null) return std::nullopt;
    return ParsedPath{"", false, s.pos()};
  }
  if (s.Peek() == '@' && !s.SourceRoute()) return std::nullopt;
  size_t start = s.pos();
  if (!s.LocalPart()) return std::nullopt;
  if (s.Take('@')) {
    bool ok = s.Peek() == '[' ? s.AddressLiteral() : s.Domain();
    if (!ok) return std::nullopt;
  } else if (!options.allow_postmaster ||
             !AsciiEqualsIgnoreCase(in.substr(start, s.pos() - start), "postmaster")) {
    return std::nullopt;
  }
  size_t end = s.pos();
  if (!s.Take('>')) return std::nullopt;
  ParsedPath out;
  out.address = std::string(in.substr(start, end - start));
  for (char c : out.address) {
    if (IsNonAscii(c)) out.non_ascii = true;
  }
  if (out.non_ascii && !IsValidUtf8(out.address)) return std::nullopt;
  out.consumed = s.pos();
  return out;
}

}  // namespace mailrelay::smtp
