// common/time_format.cc — see time_format.h.
#include "common/time_format.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace mailrelay {
namespace {

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int Digits(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

}  // namespace

std::string FormatRfc3339(int64_t unix_ms) {
  int64_t secs = unix_ms / 1000, ms = unix_ms % 1000;
  if (ms < 0) secs -= 1, ms += 1000;
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

std::optional<int64_t> ParseTimeMs(std::string_view text) {
  if (AllDigits(text) && text.size() <= 15) {
    int64_t v = 0;
    for (char c : text) v = v * 10 + (c - '0');
    return v;
  }
  // YYYY-MM-DD, then optionally THH:MM:SS, optionally .mmm (1-3 digits), then Z.
  auto at = [&](size_t i, char c) { return i < text.size() && text[i] == c; };
  if (text.size() < 10 || !AllDigits(text.substr(0, 4)) || !at(4, '-') ||
      !AllDigits(text.substr(5, 2)) || !at(7, '-') || !AllDigits(text.substr(8, 2))) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = Digits(text.substr(0, 4)) - 1900;
  tm.tm_mon = Digits(text.substr(5, 2)) - 1;
  tm.tm_mday = Digits(text.substr(8, 2));
  int64_t ms = 0;
  if (text.size() > 10) {
    if (text.size() < 20 || !at(10, 'T') || !AllDigits(text.substr(11, 2)) || !at(13, ':') ||
        !AllDigits(text.substr(14, 2)) || !at(16, ':') || !AllDigits(text.substr(17, 2))) {
      return std::nullopt;
    }
    tm.tm_hour = Digits(text.substr(11, 2));
    tm.tm_min = Digits(text.substr(14, 2));
    tm.tm_sec = Digits(text.substr(17, 2));
    std::string_view rest = text.substr(19);
    if (!rest.empty() && rest[0] == '.') {
      size_t n = 1;
      while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') ++n;
      std::string_view frac = rest.substr(1, n - 1);
      if (frac.empty() || frac.size() > 3) return std::nullopt;
      ms = Digits(frac);
      for (size_t i = frac.size(); i < 3; ++i) ms *= 10;
      rest = rest.substr(n);
    }
    if (rest != "Z") return std::nullopt;
  }
  if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
      tm.tm_min > 59 || tm.tm_sec > 60) {
    return std::nullopt;
  }
  const int mday = tm.tm_mday;
  const int64_t secs = static_cast<int64_t>(timegm(&tm));
  if (tm.tm_mday != mday) return std::nullopt;  // 2026-02-30 normalised to March: refuse it
  return secs * 1000 + ms;
}

int64_t WallNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace mailrelay
