// spf/result.h — the seven results of check_host() (RFC 7208 §2.6) and their payload names.
// Pure.
#pragma once

#include <string_view>

namespace mailrelay::spf {

enum class Result { kNone, kNeutral, kPass, kFail, kSoftFail, kTempError, kPermError };
inline constexpr int kResultCount = 7;

// Returns "none", "neutral", "pass", "fail", "softfail", "temperror" or "permerror" — the
// names CloudMailin's envelope.spf.result uses.
constexpr std::string_view ResultName(Result r) {
  switch (r) {
    case Result::kNone:
      return "none";
    case Result::kNeutral:
      return "neutral";
    case Result::kPass:
      return "pass";
    case Result::kFail:
      return "fail";
    case Result::kSoftFail:
      return "softfail";
    case Result::kTempError:
      return "temperror";
    case Result::kPermError:
      return "permerror";
  }
  return "none";
}

}  // namespace mailrelay::spf
