// vault/partition_layout.cc — see partition_layout.h.
#include "vault/partition_layout.h"

#include <chrono>
#include <cstdio>

namespace mailrelay::vault {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

std::string DayText(int64_t day) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
  char out[16];
  std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return out;
}

}  // namespace

PartitionId PartitionFor(int64_t expires_at_ms, int span_days) {
  // A span holds (start, end]: the expiry at a boundary is the earlier span's last.
  const int64_t day = FloorDiv(expires_at_ms - 1, kMsPerDay);
  return {FloorDiv(day, span_days) * span_days, span_days};
}

int64_t PartitionEndMs(const PartitionId& p) { return (p.first_day + p.span_days) * kMsPerDay; }

bool PartitionExpired(const PartitionId& p, int64_t now_ms) { return PartitionEndMs(p) <= now_ms; }

std::string PartitionFileName(const PartitionId& p) {
  return DayText(p.first_day) + "+" + std::to_string(p.span_days) + ".db";
}

std::optional<PartitionId> ParsePartitionFileName(std::string_view name) {
  int y = 0, span = 0;
  unsigned m = 0, d = 0;
  int used = 0;
  const std::string text(name);
  if (std::sscanf(text.c_str(), "%4d-%2u-%2u+%2d.db%n", &y, &m, &d, &span, &used) != 4 ||
      used != static_cast<int>(text.size())) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m},
                                        std::chrono::day{d}};
  if (!ymd.ok() || span < 1 || span > kMaxPartitionSpanDays) return std::nullopt;
  const PartitionId p{std::chrono::sys_days{ymd}.time_since_epoch().count(), span};
  // Only the canonical spelling of an aligned span: "2026-12-7+1.db" or a misaligned first day
  // is not a file this code wrote.
  if (p.first_day % span != 0 || PartitionFileName(p) != text) return std::nullopt;
  return p;
}

std::string PartitionDirName(std::string_view region) {
  return "vault-" + std::string(region) + ".d";
}

std::string PartitionScope(std::string_view region, const PartitionId& p) {
  return std::string(region) + "/" + DayText(p.first_day) + "+" + std::to_string(p.span_days);
}

}  // namespace mailrelay::vault
