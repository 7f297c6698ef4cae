// mime/parameters.cc — tokenizes parameter lists and reassembles RFC 2231 values
// (name*=charset'lang'%XX, name*0=…, name*1*=…).
#include "mime/parameters.h"

#include <cstdlib>
#include <map>

#include "common/ascii.h"
#include "mime/charset.h"
#include "mime/encoded_word.h"

namespace mailrelay::mime {
namespace {

constexpr int kMaxSection = 999;  // RFC 2231 sets no limit; this bounds hostile input

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

// Returns `s` without RFC 5322 comments ("(…)", nestable) outside quoted strings.
std::string StripComments(std::string_view s) {
  std::string out;
  int depth = 0;
  bool quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quoted) {
      out += c;
      if (c == '\\' && i + 1 < s.size()) {
        out += s[++i];
      } else if (c == '"') {
        quoted = false;
      }
    } else if (depth > 0) {
      if (c == '\\') {
        ++i;
      } else if (c == '(') {
        ++depth;
      } else if (c == ')') {
        --depth;
      }
    } else if (c == '(') {
      depth = 1;
    } else {
      if (c == '"') quoted = true;
      out += c;
    }
  }
  return out;
}

struct RawParam {
  std::string name;  // lower-case, including any '*' markers
  std::string value;
};

// Splits the text after the leading token into name/value pairs.
std::vector<RawParam> Tokenize(std::string_view s) {
  std::vector<RawParam> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (IsBlank(s[i]) || s[i] == ';')) ++i;
    const size_t name_start = i;
    while (i < s.size() && s[i] != '=' && s[i] != ';') ++i;
    if (i >= s.size() || s[i] == ';') continue;  // a bare word is not a parameter
    std::string name = AsciiLowercase(Trim(s.substr(name_start, i - name_start)));
    ++i;  // '='
    while (i < s.size() && IsBlank(s[i])) ++i;
    std::string value;
    if (i < s.size() && s[i] == '"') {
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        value += s[i++];
      }
      if (i < s.size()) ++i;  // closing quote (an unterminated one runs to the end)
      while (i < s.size() && s[i] != ';') ++i;  // junk after the quoted string
    } else {
      const size_t value_start = i;
      while (i < s.size() && s[i] != ';') ++i;
      value = std::string(Trim(s.substr(value_start, i - value_start)));
    }
    if (!name.empty()) out.push_back({std::move(name), std::move(value)});
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      const int hi = i + 1 < s.size() ? HexValue(s[i + 1]) : -1;
      const int lo = i + 2 < s.size() ? HexValue(s[i + 2]) : -1;
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// Splits "charset'lang'rest" into charset and rest; without two quotes, charset is "".
std::string_view SplitCharset(std::string_view v, std::string* charset) {
  const size_t q1 = v.find('\'');
  if (q1 == std::string_view::npos) return v;
  const size_t q2 = v.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) return v;
  *charset = std::string(v.substr(0, q1));
  return v.substr(q2 + 1);
}

struct Assembly {
  bool has_plain = false;
  std::string plain;
  bool has_extended = false;  // name*=
  std::string extended;
  std::map<int, std::pair<std::string, bool>> sections;  // number → (value, extended)
};

std::string Finish(const Assembly& a) {
  if (a.has_extended) {
    std::string charset;
    const std::string_view rest = SplitCharset(a.extended, &charset);
    return ToUtf8(PercentDecode(rest), charset);
  }
  if (!a.sections.empty() && a.sections.begin()->first == 0) {
    std::string charset;
    std::string bytes;
    bool any_extended = false;
    int expect = 0;
    for (const auto& [n, section] : a.sections) {
      if (n != expect++) break;  // a gap ends the value (RFC 2231 §3)
      std::string_view v = section.first;
      if (section.second) {
        if (n == 0) v = SplitCharset(v, &charset);
        bytes += PercentDecode(v);
        any_extended = true;
      } else {
        bytes += v;
      }
    }
    return any_extended ? ToUtf8(bytes, charset) : DecodeHeaderText(bytes);
  }
  return DecodeHeaderText(a.plain);
}

}  // namespace

std::string ParameterizedValue::Param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return {};
}

bool ParameterizedValue::HasParam(std::string_view name) const {
  for (const auto& p : params) {
    if (p.first == name) return true;
  }
  return false;
}

ParameterizedValue ParseParameterizedValue(std::string_view field_value) {
  const std::string text = StripComments(field_value);
  ParameterizedValue result;
  const size_t semi = text.find(';');
  result.value = AsciiLowercase(Trim(std::string_view(text).substr(0, semi)));
  if (semi == std::string::npos) return result;

  std::vector<std::string> order;
  std::map<std::string, Assembly> by_name;
  for (RawParam& p : Tokenize(std::string_view(text).substr(semi + 1))) {
    std::string base = p.name;
    bool extended = false;
    int section = -1;
    if (!base.empty() && base.back() == '*') {
      extended = true;
      base.pop_back();
    }
    const size_t star = base.find('*');
    if (star != std::string::npos) {
      const std::string digits = base.substr(star + 1);
      char* end = nullptr;
      const long n = std::strtol(digits.c_str(), &end, 10);
      if (digits.empty() || *end != '\0' || n < 0 || n > kMaxSection) continue;
      section = static_cast<int>(n);
      base.resize(star);
    }
    auto [it, inserted] = by_name.try_emplace(base);
    if (inserted) order.push_back(base);
    Assembly& a = it->second;
    if (section >= 0) {
      a.sections.try_emplace(section, std::move(p.value), extended);
    } else if (extended) {
      if (!a.has_extended) a.extended = std::move(p.value);
      a.has_extended = true;
    } else if (!a.has_plain) {
      a.plain = std::move(p.value);
      a.has_plain = true;
    }
  }
  for (const std::string& name : order) {
    Assembly& a = by_name[name];
    // A boundary is compared byte for byte; "decoding" it could only break the match.
    const bool verbatim = name == "boundary" && a.has_plain;
    result.params.emplace_back(name, verbatim ? a.plain : Finish(a));
  }
  return result;
}

ContentType ParseContentType(std::string_view field_value, std::string_view default_type) {
  ContentType ct;
  ct.raw = ParseParameterizedValue(field_value);
  std::string_view mime = ct.raw.value;
  size_t slash = mime.find('/');
  const auto valid = [](std::string_view t) {
    if (t.empty()) return false;
    for (char c : t) {
      if (c <= 32 || c >= 127 || c == '/' || c == '"') return false;
    }
    return true;
  };
  if (slash == std::string_view::npos || !valid(Trim(mime.substr(0, slash))) ||
      !valid(Trim(mime.substr(slash + 1)))) {
    mime = default_type;
    slash = mime.find('/');
  }
  ct.type = std::string(Trim(mime.substr(0, slash)));
  ct.subtype = std::string(Trim(mime.substr(slash + 1)));
  return ct;
}

}  // namespace mailrelay::mime
