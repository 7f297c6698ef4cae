// smtp/command.cc — the argument grammars of MAIL, RCPT and BDAT.
// Lenient only where real clients commonly deviate: blanks after "FROM:" / "TO:".
#include "smtp/command.h"

#include <limits>
#include <vector>

#include "common/ascii.h"
#include "smtp/path.h"

namespace mailrelay::smtp {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

char Upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && AsciiEqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

std::string ToUpper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Upper(c);
  return out;
}

std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  return s;
}

Reply Syntax(std::string_view usage) {
  return Reply{501, "5.5.4", "Syntax: " + std::string(usage)};
}

struct Param {
  std::string keyword;  // upper-cased
  std::string_view value;
  bool has_value = false;
};

// Splits "KEY=value KEY2" (RFC 5321 4.1.2 Mail-parameters) or returns nullopt on bad syntax.
std::optional<std::vector<Param>> SplitParams(std::string_view s) {
  std::vector<Param> out;
  while (true) {
    s = TrimLeft(s);
    if (s.empty()) return out;
    size_t end = 0;
    while (end < s.size() && !IsBlank(s[end])) ++end;
    std::string_view word = s.substr(0, end);
    s.remove_prefix(end);
    Param p;
    size_t eq = word.find('=');
    std::string_view key = word.substr(0, eq);
    if (key.empty()) return std::nullopt;
    for (size_t i = 0; i < key.size(); ++i) {
      char c = key[i];
      bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      if (!alnum && !(i > 0 && c == '-')) return std::nullopt;
    }
    p.keyword = ToUpper(key);
    if (eq != std::string_view::npos) {
      p.value = word.substr(eq + 1);
      p.has_value = true;
      // esmtp-value = 1*(%d33-60 / %d62-126 / UTF8-non-ascii)
      if (p.value.empty()) return std::nullopt;
      for (char c : p.value) {
        unsigned char u = c;
        if (u < 33 || u == '=' || u == 127) return std::nullopt;
      }
    }
    out.push_back(std::move(p));
  }
}

// Returns the decimal value, UINT64_MAX when it does not fit, nullopt when not all digits.
std::optional<uint64_t> ParseDecimal(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    unsigned d = c - '0';
    v = (v > (kMax - d) / 10) ? kMax : v * 10 + d;
  }
  return v;
}

// Parses "<prefix><path>" and returns the path plus the unparsed parameter text.
struct PathAndRest {
  std::optional<ParsedPath> path;
  std::string_view rest;
  bool prefix_ok = false;
};

PathAndRest SplitPath(std::string_view args, std::string_view prefix, PathOptions options) {
  PathAndRest r;
  if (!StartsWithIgnoreCase(args, prefix)) return r;
  r.prefix_ok = true;
  std::string_view s = TrimLeft(args.substr(prefix.size()));
  r.path = ParsePath(s, options);
  if (!r.path) return r;
  r.rest = s.substr(r.path->consumed);
  // The path must be followed by a blank or the end: "<a@b>x" is not a path.
  if (!r.rest.empty() && !IsBlank(r.rest.front())) r.path.reset();
  return r;
}

}  // namespace

CommandLine SplitCommand(std::string_view line) {
  while (!line.empty() && IsBlank(line.back())) line.remove_suffix(1);
  size_t end = 0;
  while (end < line.size() && !IsBlank(line[end])) ++end;
  return CommandLine{ToUpper(line.substr(0, end)), TrimLeft(line.substr(end))};
}

ReplyOr<MailArgs> ParseMailArgs(std::string_view args) {
  constexpr std::string_view kUsage =
      "MAIL FROM:<address> [SIZE=n] [BODY=7BIT|8BITMIME] [SMTPUTF8]";
  PathAndRest pr = SplitPath(args, "FROM:", PathOptions{.allow_null = true});
  if (!pr.prefix_ok) return Syntax(kUsage);
  if (!pr.path) return Reply{501, "5.1.7", "Bad sender address syntax"};
  MailArgs out;
  out.from = std::move(pr.path->address);
  out.non_ascii = pr.path->non_ascii;
  std::optional<std::vector<Param>> params = SplitParams(pr.rest);
  if (!params) return Syntax(kUsage);
  bool seen_body = false;
  for (const Param& p : *params) {
    if (p.keyword == "SIZE") {
      std::optional<uint64_t> n;
      if (p.has_value) n = ParseDecimal(p.value);
      if (!n || out.size) return Reply{501, "5.5.4", "Bad SIZE parameter"};
      out.size = n;
    } else if (p.keyword == "BODY") {
      std::string v = ToUpper(p.value);
      if (seen_body || (v != "7BIT" && v != "8BITMIME")) {
        return Reply{501, "5.5.4", "Bad BODY parameter (7BIT or 8BITMIME)"};
      }
      seen_body = true;
      out.body_8bitmime = v == "8BITMIME";
    } else if (p.keyword == "SMTPUTF8") {
      if (p.has_value || out.smtputf8) return Reply{501, "5.5.4", "Bad SMTPUTF8 parameter"};
      out.smtputf8 = true;
    } else {
      return Reply{555, "5.5.4", "Unsupported MAIL parameter " + p.keyword};
    }
  }
  return out;
}

ReplyOr<RcptArgs> ParseRcptArgs(std::string_view args) {
  PathAndRest pr = SplitPath(args, "TO:", PathOptions{.allow_postmaster = true});
  if (!pr.prefix_ok) return Syntax("RCPT TO:<address>");
  if (!pr.path) return Reply{501, "5.1.3", "Bad recipient address syntax"};
  std::optional<std::vector<Param>> params = SplitParams(pr.rest);
  if (!params) return Syntax("RCPT TO:<address>");
  if (!params->empty()) {
    return Reply{555, "5.5.4", "Unsupported RCPT parameter " + params->front().keyword};
  }
  return RcptArgs{std::move(pr.path->address), pr.path->non_ascii};
}

ReplyOr<BdatArgs> ParseBdatArgs(std::string_view args) {
  size_t end = 0;
  while (end < args.size() && !IsBlank(args[end])) ++end;
  std::optional<uint64_t> size = ParseDecimal(args.substr(0, end));
  std::string_view rest = TrimLeft(args.substr(end));
  // A size that does not fit cannot be skipped either; reject it as syntax.
  if (!size || *size == std::numeric_limits<uint64_t>::max()) {
    return Syntax("BDAT chunk-size [LAST]");
  }
  if (rest.empty()) return BdatArgs{*size, false};
  if (ToUpper(rest) == "LAST") return BdatArgs{*size, true};
  return Syntax("BDAT chunk-size [LAST]");
}

bool SameMailbox(std::string_view a, std::string_view b) {
  size_t at_a = a.rfind('@'), at_b = b.rfind('@');
  if (at_a != at_b) return false;
  if (at_a == std::string_view::npos) return ToUpper(a) == ToUpper(b);  // "Postmaster"
  if (a.substr(0, at_a) != b.substr(0, at_b)) return false;
  return ToUpper(a.substr(at_a)) == ToUpper(b.substr(at_b));
}

}  // namespace mailrelay::smtp
