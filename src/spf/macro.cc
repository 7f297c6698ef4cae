// spf/macro.cc — one scanner serves both the parse-time syntax check (no context) and the
// expansion, so the two can never disagree about what is valid.
#include "spf/macro.h"

#include <algorithm>
#include <vector>

#include "common/ascii.h"

namespace mailrelay::spf {
namespace {

constexpr std::string_view kDelimiters = ".-+,/_=";
constexpr size_t kMaxDomainLength = 253;

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string UrlEscape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (IsUnreserved(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

std::string LetterValue(char letter, const MacroContext& ctx) {
  switch (letter) {
    case 's':
      return ctx.sender;
    case 'l':
      return ctx.local;
    case 'o':
      return ctx.sender_domain;
    case 'd':
      return ctx.domain;
    case 'i':
      return ctx.ip.MacroForm();
    case 'p':
      return "unknown";
    case 'v':
      return std::string(ctx.ip.MacroVersion());
    case 'h':
      return ctx.helo;
  }
  return std::string();
}

// Splits on any of `delims`, applies reversal and keeps the rightmost `keep` parts (0: all),
// joined with '.' (§7.3).
std::string Transform(std::string_view value, std::string_view delims, bool reverse, size_t keep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= value.size(); ++i) {
    if (i == value.size() || delims.find(value[i]) != std::string_view::npos) {
      parts.push_back(value.substr(start, i - start));
      start = i + 1;
    }
  }
  if (reverse) std::reverse(parts.begin(), parts.end());
  size_t first = (keep != 0 && keep < parts.size()) ? parts.size() - keep : 0;
  std::string out;
  for (size_t i = first; i < parts.size(); ++i) {
    if (i != first) out += '.';
    out.append(parts[i]);
  }
  return out;
}

// Scans `spec`; appends the expansion to `out` when `ctx` is given.
Status Scan(std::string_view spec, const MacroContext* ctx, std::string* out) {
  for (size_t i = 0; i < spec.size(); ++i) {
    const char c = spec[i];
    if (c != '%') {
      if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) {
        return Status::InvalidArgument("macro-string has a character outside %x21-7E");
      }
      if (out) *out += c;
      continue;
    }
    if (i + 1 >= spec.size()) return Status::InvalidArgument("macro-string ends with '%'");
    const char next = spec[++i];
    if (next == '%' || next == '_' || next == '-') {
      if (out) *out += next == '%' ? "%" : next == '_' ? " " : "%20";
      continue;
    }
    if (next != '{') {
      return Status::InvalidArgument("'%' must be followed by '{', '%', '_' or '-'");
    }
    const size_t close = spec.find('}', i);
    if (close == std::string_view::npos) return Status::InvalidArgument("unclosed macro \"%{\"");
    std::string_view body = spec.substr(i + 1, close - i - 1);
    i = close;
    if (body.empty()) return Status::InvalidArgument("empty macro \"%{}\"");
    const char raw_letter = body[0];
    const char letter = AsciiLower(raw_letter);
    const bool upper = raw_letter >= 'A' && raw_letter <= 'Z';
    if (std::string_view("sloidpvh").find(letter) == std::string_view::npos ||
        !((raw_letter >= 'a' && raw_letter <= 'z') || upper)) {
      return Status::InvalidArgument("unknown macro letter in \"%{" + std::string(body) + "}\"");
    }
    size_t pos = 1;
    size_t keep = 0;
    bool has_digits = false;
    while (pos < body.size() && body[pos] >= '0' && body[pos] <= '9') {
      has_digits = true;
      keep = keep * 10 + static_cast<size_t>(body[pos] - '0');
      if (keep > 128) keep = 128;  // more parts than any name has
      ++pos;
    }
    if (has_digits && keep == 0) {
      return Status::InvalidArgument("macro transformer digit must not be zero");
    }
    bool reverse = false;
    if (pos < body.size() && (body[pos] == 'r' || body[pos] == 'R')) {
      reverse = true;
      ++pos;
    }
    std::string_view delims = body.substr(pos);
    for (char d : delims) {
      if (kDelimiters.find(d) == std::string_view::npos) {
        return Status::InvalidArgument("bad macro delimiter in \"%{" + std::string(body) + "}\"");
      }
    }
    if (delims.empty()) delims = ".";
    if (out) {
      std::string value = Transform(LetterValue(letter, *ctx), delims, reverse, keep);
      *out += upper ? UrlEscape(value) : value;
    }
  }
  return Status::Ok();
}

}  // namespace

Status CheckMacroString(std::string_view spec) { return Scan(spec, nullptr, nullptr); }

StatusOr<std::string> ExpandMacroString(std::string_view spec, const MacroContext& ctx) {
  std::string out;
  MR_RETURN_IF_ERROR(Scan(spec, &ctx, &out));
  return out;
}

StatusOr<std::string> ExpandDomainSpec(std::string_view spec, const MacroContext& ctx) {
  MR_ASSIGN_OR_RETURN(std::string name, ExpandMacroString(spec, ctx));
  if (!name.empty() && name.back() == '.') name.pop_back();
  while (name.size() > kMaxDomainLength) {
    const size_t dot = name.find('.');
    if (dot == std::string::npos) break;
    name.erase(0, dot + 1);
  }
  return name;
}

}  // namespace mailrelay::spf
