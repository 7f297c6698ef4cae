// spf/record.cc — the record grammar of RFC 7208 §12. Anything it does not allow is a
// permerror for the whole record (§4.6), so parsing stops at the first bad term.
#include "spf/record.h"

#include "common/ascii.h"
#include "spf/macro.h"

namespace mailrelay::spf {
namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

Status Bad(std::string_view term, std::string_view why) {
  return Status::InvalidArgument("SPF term \"" + std::string(term) + "\": " + std::string(why));
}

// Returns the CIDR length in `digits` when it is 0..max without leading zeros, else -1.
int ParseCidr(std::string_view digits, int max) {
  if (digits.empty() || digits.size() > 3) return -1;
  if (digits.size() > 1 && digits[0] == '0') return -1;
  int v = 0;
  for (char c : digits) {
    if (!IsDigit(c)) return -1;
    v = v * 10 + (c - '0');
  }
  return v <= max ? v : -1;
}

// domain-end (§12): the spec ends in a macro or in "." toplabel (a label with a letter, not
// starting or ending with '-'), optionally followed by ".".
bool HasValidDomainEnd(std::string_view spec) {
  if (!spec.empty() && spec.back() == '.') spec.remove_suffix(1);
  if (!spec.empty() && spec.back() == '}') return true;
  const size_t dot = spec.rfind('.');
  if (dot == std::string_view::npos) return false;
  const std::string_view top = spec.substr(dot + 1);
  if (top.empty() || top.front() == '-' || top.back() == '-') return false;
  bool alpha = false;
  for (char c : top) {
    if (IsAlpha(c)) {
      alpha = true;
    } else if (!IsDigit(c) && c != '-') {
      return false;
    }
  }
  return alpha;
}

Status CheckDomainSpec(std::string_view term, std::string_view spec) {
  if (spec.empty()) return Bad(term, "empty domain-spec");
  Status s = CheckMacroString(spec);
  if (!s.ok()) return Bad(term, s.message());
  if (!HasValidDomainEnd(spec)) return Bad(term, "domain-spec does not end in a top label");
  return Status::Ok();
}

// Splits a trailing dual-cidr ("/24", "//64", "/24//64") off `arg` into `m`.
Status TakeDualCidr(std::string_view term, std::string_view& arg, Mechanism& m) {
  const size_t dbl = arg.find("//");
  if (dbl != std::string_view::npos) {
    m.cidr6 = ParseCidr(arg.substr(dbl + 2), 128);
    if (m.cidr6 < 0) return Bad(term, "IPv6 CIDR length must be 0..128");
    arg = arg.substr(0, dbl);
  }
  const size_t slash = arg.rfind('/');
  if (slash != std::string_view::npos) {
    std::string_view digits = arg.substr(slash + 1);
    bool all_digits = !digits.empty();
    for (char c : digits) all_digits = all_digits && IsDigit(c);
    if (all_digits) {
      m.cidr4 = ParseCidr(digits, 32);
      if (m.cidr4 < 0) return Bad(term, "IPv4 CIDR length must be 0..32");
      arg = arg.substr(0, slash);
    }
  }
  return Status::Ok();
}

StatusOr<Mechanism> ParseMechanism(std::string_view term) {
  Mechanism m;
  std::string_view rest = term;
  switch (rest.front()) {
    case '+':
      m.qualifier = Result::kPass;
      rest.remove_prefix(1);
      break;
    case '-':
      m.qualifier = Result::kFail;
      rest.remove_prefix(1);
      break;
    case '~':
      m.qualifier = Result::kSoftFail;
      rest.remove_prefix(1);
      break;
    case '?':
      m.qualifier = Result::kNeutral;
      rest.remove_prefix(1);
      break;
    default:
      break;
  }
  size_t name_end = 0;
  while (name_end < rest.size() && rest[name_end] != ':' && rest[name_end] != '/') ++name_end;
  const std::string name = AsciiLowercase(rest.substr(0, name_end));
  std::string_view arg = rest.substr(name_end);  // ":..." or "/..." or ""
  const bool has_colon = !arg.empty() && arg.front() == ':';

  if (name == "all") {
    if (!arg.empty()) return Bad(term, "\"all\" takes no argument");
    m.kind = MechanismKind::kAll;
  } else if (name == "include" || name == "exists") {
    m.kind = name == "include" ? MechanismKind::kInclude : MechanismKind::kExists;
    if (!has_colon) return Bad(term, "needs \":domain\"");
    m.domain_spec = std::string(arg.substr(1));
    MR_RETURN_IF_ERROR(CheckDomainSpec(term, m.domain_spec));
  } else if (name == "a" || name == "mx") {
    m.kind = name == "a" ? MechanismKind::kA : MechanismKind::kMx;
    MR_RETURN_IF_ERROR(TakeDualCidr(term, arg, m));
    if (has_colon) {
      m.domain_spec = std::string(arg.substr(1));
      MR_RETURN_IF_ERROR(CheckDomainSpec(term, m.domain_spec));
    } else if (!arg.empty()) {
      return Bad(term, "unexpected text after the mechanism name");
    }
  } else if (name == "ptr") {
    m.kind = MechanismKind::kPtr;
    if (has_colon) {
      m.domain_spec = std::string(arg.substr(1));
      MR_RETURN_IF_ERROR(CheckDomainSpec(term, m.domain_spec));
    } else if (!arg.empty()) {
      return Bad(term, "unexpected text after the mechanism name");
    }
  } else if (name == "ip4" || name == "ip6") {
    const bool v6 = name == "ip6";
    m.kind = v6 ? MechanismKind::kIp6 : MechanismKind::kIp4;
    if (!has_colon) return Bad(term, "needs \":address\"");
    arg.remove_prefix(1);
    const size_t slash = arg.find('/');
    if (slash != std::string_view::npos) {
      int len = ParseCidr(arg.substr(slash + 1), v6 ? 128 : 32);
      if (len < 0)
        return Bad(term, v6 ? "CIDR length must be 0..128" : "CIDR length must be 0..32");
      (v6 ? m.cidr6 : m.cidr4) = len;
      arg = arg.substr(0, slash);
    }
    // inet_pton alone would also take "::ffff:1.2.3.4" for ip4; the grammar wants the form.
    const bool looks_v6 = arg.find(':') != std::string_view::npos;
    auto ip = IpAddress::Parse(arg);
    if (!ip || looks_v6 != v6) {
      return Bad(term, v6 ? "not an IPv6 address" : "not an IPv4 address");
    }
    if (v6 && !ip->is_v6()) {
      // An IPv4-mapped network in ip6: keep it as the IPv4 prefix it denotes.
      m.kind = MechanismKind::kIp4;
      m.cidr4 = m.cidr6 >= 96 ? m.cidr6 - 96 : 0;
    }
    m.network = *ip;
  } else {
    return Bad(term, "unknown mechanism");
  }
  return m;
}

}  // namespace

StatusOr<std::optional<std::string>> SelectRecord(const std::vector<std::string>& txt) {
  std::optional<std::string> found;
  for (const std::string& t : txt) {
    if (t.size() < 6 || AsciiLowercase(t.substr(0, 6)) != "v=spf1") continue;
    if (t.size() > 6 && t[6] != ' ') continue;  // "v=spf10" is another version
    if (found) return Status::InvalidArgument("the domain publishes more than one SPF record");
    found = t;
  }
  return found;
}

StatusOr<Record> ParseRecord(std::string_view text) {
  Record record;
  bool exp_seen = false;
  size_t pos = 6;  // after "v=spf1"
  while (pos < text.size()) {
    if (text[pos] == ' ') {
      ++pos;
      continue;
    }
    size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view term = text.substr(pos, end - pos);
    pos = end;
    // A modifier is name "=" ...; its name has no ':' or '/' before the '='.
    size_t eq = term.find('=');
    size_t name_end = term.find_first_of(":/");
    if (eq != std::string_view::npos && (name_end == std::string_view::npos || eq < name_end)) {
      const std::string_view name = term.substr(0, eq);
      if (name.empty() || !IsAlpha(name[0])) return Bad(term, "bad modifier name");
      for (char c : name) {
        if (!IsAlpha(c) && !IsDigit(c) && c != '-' && c != '_' && c != '.') {
          return Bad(term, "bad modifier name");
        }
      }
      const std::string_view value = term.substr(eq + 1);
      const std::string lname = AsciiLowercase(name);
      if (lname == "redirect") {
        if (record.redirect) return Bad(term, "redirect= appears twice");
        MR_RETURN_IF_ERROR(CheckDomainSpec(term, value));
        record.redirect = std::string(value);
      } else if (lname == "exp") {
        if (exp_seen) return Bad(term, "exp= appears twice");
        exp_seen = true;
        MR_RETURN_IF_ERROR(CheckDomainSpec(term, value));
      } else {
        Status s = CheckMacroString(value);
        if (!s.ok()) return Bad(term, s.message());
      }
      continue;
    }
    MR_ASSIGN_OR_RETURN(Mechanism m, ParseMechanism(term));
    record.mechanisms.push_back(std::move(m));
  }
  return record;
}

}  // namespace mailrelay::spf
