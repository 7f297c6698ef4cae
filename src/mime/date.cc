// mime/date.cc — token-based, order-tolerant date-time parsing and ISO formatting.
#include "mime/date.h"

#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "common/ascii.h"

namespace mailrelay::mime {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (the "days from civil" algorithm).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int MonthIndex(std::string_view token) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  if (token.size() < 3) return 0;
  const std::string l = AsciiLowercase(token.substr(0, 3));
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (l == kMonths[i]) return static_cast<int>(i) + 1;
  }
  return 0;
}

// Returns the offset in minutes of a named zone, or false when `token` is not one.
bool NamedZone(std::string_view token, int* minutes) {
  struct Zone {
    std::string_view name;
    int hours;
  };
  static constexpr std::array<Zone, 12> kZones = {{{"ut", 0},
                                                   {"utc", 0},
                                                   {"gmt", 0},
                                                   {"z", 0},
                                                   {"est", -5},
                                                   {"edt", -4},
                                                   {"cst", -6},
                                                   {"cdt", -5},
                                                   {"mst", -7},
                                                   {"mdt", -6},
                                                   {"pst", -8},
                                                   {"pdt", -7}}};
  const std::string l = AsciiLowercase(token);
  for (const Zone& z : kZones) {
    if (l == z.name) {
      *minutes = z.hours * 60;
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<int64_t> ParseDate(std::string_view value) {
  // Tokens split on blanks and commas; comments dropped.
  std::vector<std::string> tokens;
  std::string cur;
  int comment = 0;
  for (char c : value) {
    if (c == '(') ++comment;
    if (comment > 0) {
      if (c == ')') --comment;
      continue;
    }
    if (c == ' ' || c == '\t' || c == ',' || c == '\r' || c == '\n') {
      if (!cur.empty()) tokens.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) tokens.push_back(std::move(cur));

  int day = 0, month = 0, hour = -1, minute = 0, second = 0, zone = 0;
  int64_t year = -1;
  for (const std::string& t : tokens) {
    if (month == 0 && MonthIndex(t) != 0 && !AllDigits(t)) {
      month = MonthIndex(t);
    } else if (hour < 0 && t.find(':') != std::string::npos) {
      int h = 0, m = 0, s = 0;
      if (std::sscanf(t.c_str(), "%d:%d:%d", &h, &m, &s) >= 2) {
        hour = h;
        minute = m;
        second = s;
      }
    } else if ((t[0] == '+' || t[0] == '-') && t.size() == 5 && AllDigits(t.substr(1))) {
      const int v = std::stoi(t.substr(1));
      zone = (v / 100 * 60 + v % 100) * (t[0] == '-' ? -1 : 1);
    } else if (AllDigits(t) && t.size() <= 4) {
      const int v = std::stoi(t);
      if (day == 0 && t.size() <= 2 && v >= 1 && v <= 31 && (year < 0 || month != 0)) {
        day = v;
      } else if (year < 0) {
        year = v;
        if (t.size() <= 2)
          year += v < 50 ? 2000 : 1900;  // RFC 5322 §4.3
        else if (t.size() == 3)
          year += 1900;
      }
    } else {
      int z = 0;
      if (NamedZone(t, &z)) zone = z;
    }
  }
  if (day == 0 || month == 0 || year < 0 || hour < 0) return std::nullopt;
  if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  const int64_t days = DaysFromCivil(year, month, day);
  return days * 86400 + hour * 3600 + minute * 60 + second - zone * 60;
}

std::string FormatIsoUtc(int64_t seconds) {
  int64_t days = seconds / 86400;
  int64_t rem = seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // Civil date from days since the epoch (inverse of DaysFromCivil).
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.000Z",
                static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
                static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60),
                static_cast<long long>(rem % 60));
  return buf;
}

}  // namespace mailrelay::mime
