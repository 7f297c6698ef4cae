// spf/check_host.cc — one Evaluation per check keeps the counters that the limits of §4.6.4
// apply to across include and redirect, which recurse.
#include "spf/check_host.h"

#include <optional>

#include "common/ascii.h"
#include "spf/dns_name.h"
#include "spf/macro.h"
#include "spf/record.h"

namespace mailrelay::spf {
namespace {

// §4.3: a domain with a zero-length label, a label over 63 bytes, or a single label is not
// something check_host() can evaluate.
bool IsCheckableDomain(std::string_view domain) {
  if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  for (char c : domain) {
    // Host names only: an address literal HELO ("[192.0.2.1]") names no domain.
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return domain.find('.') != std::string_view::npos && IsEncodableName(domain);
}

// A mechanism either matches, does not, or ends the evaluation with an error result.
struct Outcome {
  bool match = false;
  std::optional<Result> error;
};
Outcome Matched(bool m) { return {m, std::nullopt}; }
Outcome Error(Result r) { return {false, r}; }

class Evaluation {
 public:
  Evaluation(const IpAddress& ip, const SpfIdentity& identity, Resolver& resolver)
      : ip_(ip), resolver_(resolver) {
    ctx_.local = identity.local;
    ctx_.sender_domain = identity.domain;
    ctx_.sender = identity.local + "@" + identity.domain;
    ctx_.ip = ip;
    ctx_.helo = identity.helo;
  }

  Result Check(const std::string& domain) {
    if (!IsCheckableDomain(domain)) return Result::kNone;
    StatusOr<std::vector<std::string>> txt = resolver_.Txt(domain);
    if (!txt.ok()) return Result::kTempError;
    StatusOr<std::optional<std::string>> chosen = SelectRecord(*txt);
    if (!chosen.ok()) return Result::kPermError;
    if (!chosen->has_value()) return Result::kNone;
    StatusOr<Record> record = ParseRecord(**chosen);
    if (!record.ok()) return Result::kPermError;

    MacroContext ctx = ctx_;
    ctx.domain = domain;
    for (const Mechanism& m : record->mechanisms) {
      Outcome o = Evaluate(m, ctx);
      if (o.error) return *o.error;
      if (o.match) return m.qualifier;
    }
    if (!record->redirect) return Result::kNeutral;  // §4.7
    if (!CountDnsTerm()) return Result::kPermError;
    StatusOr<std::string> target = ExpandDomainSpec(*record->redirect, ctx);
    if (!target.ok()) return Result::kPermError;
    Result r = Check(AsciiLowercase(*target));
    return r == Result::kNone ? Result::kPermError : r;  // §6.1
  }

 private:
  bool CountDnsTerm() { return ++dns_terms_ <= kMaxDnsMechanisms; }

  // Counts a lookup that found nothing; false once over the void limit (§4.6.4).
  bool CountVoid(bool empty) { return !empty || ++void_lookups_ <= kMaxVoidLookups; }

  // Returns the target of `m`: its expanded domain-spec, or the current domain.
  StatusOr<std::string> Target(const Mechanism& m, const MacroContext& ctx) {
    if (m.domain_spec.empty()) return ctx.domain;
    MR_ASSIGN_OR_RETURN(std::string t, ExpandDomainSpec(m.domain_spec, ctx));
    return AsciiLowercase(t);
  }

  // Returns whether any of `name`'s addresses of the client's family is in the prefix.
  Outcome MatchAddresses(const std::string& name, const Mechanism& m, bool count_void) {
    if (!IsEncodableName(name)) return Matched(false);
    StatusOr<std::vector<IpAddress>> addrs = resolver_.Addresses(name, ip_.is_v6());
    if (!addrs.ok()) return Error(Result::kTempError);
    if (count_void && !CountVoid(addrs->empty())) return Error(Result::kPermError);
    const int bits = ip_.is_v6() ? m.cidr6 : m.cidr4;
    for (const IpAddress& a : *addrs) {
      if (ip_.InPrefix(a, bits)) return Matched(true);
    }
    return Matched(false);
  }

  Outcome Evaluate(const Mechanism& m, const MacroContext& ctx) {
    switch (m.kind) {
      case MechanismKind::kAll:
        return Matched(true);
      case MechanismKind::kIp4:
      case MechanismKind::kIp6:
        return Matched(ip_.InPrefix(*m.network, m.kind == MechanismKind::kIp4 ? m.cidr4 : m.cidr6));
      default:
        break;
    }
    if (!CountDnsTerm()) return Error(Result::kPermError);
    StatusOr<std::string> target = Target(m, ctx);
    if (!target.ok()) return Error(Result::kPermError);
    switch (m.kind) {
      case MechanismKind::kInclude: {
        // §5.2: only the included record's pass matches; its none is our permerror.
        switch (Check(*target)) {
          case Result::kPass:
            return Matched(true);
          case Result::kFail:
          case Result::kSoftFail:
          case Result::kNeutral:
            return Matched(false);
          case Result::kTempError:
            return Error(Result::kTempError);
          case Result::kPermError:
          case Result::kNone:
            return Error(Result::kPermError);
        }
        return Error(Result::kPermError);
      }
      case MechanismKind::kA:
        return MatchAddresses(*target, m, /*count_void=*/true);
      case MechanismKind::kMx: {
        if (!IsEncodableName(*target)) return Matched(false);
        StatusOr<std::vector<std::string>> mx = resolver_.Mx(*target);
        if (!mx.ok()) return Error(Result::kTempError);
        if (!CountVoid(mx->empty())) return Error(Result::kPermError);
        // §4.6.4: more than 10 exchanges is a permerror for this mechanism.
        if (mx->size() > static_cast<size_t>(kMaxNamesPerLookup)) {
          return Error(Result::kPermError);
        }
        for (const std::string& exchange : *mx) {
          Outcome o = MatchAddresses(exchange, m, /*count_void=*/false);
          if (o.error || o.match) return o;
        }
        return Matched(false);
      }
      case MechanismKind::kPtr:
        // Not implemented (§5.5 says "SHOULD NOT be used"): counted as a DNS term, never
        // matches. See docs/spf.md.
        return Matched(false);
      case MechanismKind::kExists: {
        if (!IsEncodableName(*target)) return Matched(false);
        // §5.7: always an A query, whatever the client's address family.
        StatusOr<std::vector<IpAddress>> addrs = resolver_.Addresses(*target, false);
        if (!addrs.ok()) return Error(Result::kTempError);
        if (!CountVoid(addrs->empty())) return Error(Result::kPermError);
        return Matched(!addrs->empty());
      }
      default:
        return Error(Result::kPermError);
    }
  }

  const IpAddress& ip_;
  Resolver& resolver_;
  MacroContext ctx_;
  int dns_terms_ = 0;
  int void_lookups_ = 0;
};

}  // namespace

SpfIdentity SpfIdentityFor(std::string_view mail_from, std::string_view helo) {
  SpfIdentity id;
  id.helo = std::string(helo);
  if (mail_from.empty()) {
    id.domain = AsciiLowercase(helo);
    id.local = "postmaster";
    return id;
  }
  const size_t at = mail_from.rfind('@');
  if (at == std::string_view::npos) {
    // A reverse path without a domain cannot be checked as given; the HELO name is all
    // there is to identify the sender's host.
    id.domain = AsciiLowercase(helo);
    id.local = std::string(mail_from);
    return id;
  }
  id.local = at == 0 ? "postmaster" : std::string(mail_from.substr(0, at));
  id.domain = AsciiLowercase(mail_from.substr(at + 1));
  if (!id.domain.empty() && id.domain.back() == '.') id.domain.pop_back();
  return id;
}

Result CheckHost(const IpAddress& ip, const SpfIdentity& identity, Resolver& resolver) {
  Evaluation evaluation(ip, identity, resolver);
  return evaluation.Check(identity.domain);
}

}  // namespace mailrelay::spf
