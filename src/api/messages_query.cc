// api/messages_query.cc — query parameter parsing for GET /v1/messages.
#include "api/messages_query.h"

#include <ctime>
#include <set>

namespace mailrelay::api {
namespace {

std::optional<int64_t> ParseTimeMs(const std::string& text) {
  if (!text.empty() && text.size() <= 15 &&
      text.find_first_not_of("0123456789") == std::string::npos) {
    return std::stoll(text);
  }
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr || std::string(end) != "Z") return std::nullopt;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

}  // namespace

StatusOr<vault::MessageQuery> ParseMessagesQuery(
    const std::vector<std::pair<std::string, std::string>>& params) {
  static const std::set<std::string> kKnown = {"route", "status", "since", "limit", "cursor"};
  vault::MessageQuery q;
  std::set<std::string> seen;
  for (const auto& [name, value] : params) {
    if (!kKnown.count(name)) {
      return Status::InvalidArgument("unknown query parameter '" + name.substr(0, 40) +
                                     "'; known: route, status, since, limit, cursor");
    }
    if (!seen.insert(name).second) {
      return Status::InvalidArgument(name + ": given more than once");
    }
    if (name == "route") {
      if (value.empty() || value.size() > 200) {
        return Status::InvalidArgument("route: must be a route id (1..200 characters)");
      }
      q.route = value;
    } else if (name == "status") {
      auto s = vault::ParseMessageStatus(value);
      if (!s.ok()) {
        return Status::InvalidArgument("status: must be delivered, rejected, delayed or any");
      }
      q.status = *s;
    } else if (name == "since") {
      auto ms = ParseTimeMs(value);
      if (!ms) {
        return Status::InvalidArgument("since: must be unix milliseconds or YYYY-MM-DDTHH:MM:SSZ");
      }
      q.since_ms = *ms;
    } else if (name == "limit") {
      if (value.empty() || value.size() > 4 ||
          value.find_first_not_of("0123456789") != std::string::npos || std::stoul(value) == 0 ||
          std::stoul(value) > vault::kMaxPageSize) {
        return Status::InvalidArgument("limit: must be a number 1.." +
                                       std::to_string(vault::kMaxPageSize));
      }
      q.limit = std::stoul(value);
    } else if (name == "cursor") {
      if (value.empty()) return Status::InvalidArgument("cursor: is empty");
      q.cursor = value;
    }
  }
  return q;
}

}  // namespace mailrelay::api
