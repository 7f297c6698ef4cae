// api/auth.cc — Authorization header parsing.
#include "api/auth.h"

#include "common/ascii.h"

namespace mailrelay::api {

std::optional<std::string_view> BearerToken(std::string_view header) {
  auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  while (!header.empty() && is_space(header.front())) header.remove_prefix(1);
  while (!header.empty() && is_space(header.back())) header.remove_suffix(1);
  constexpr std::string_view kScheme = "bearer";
  if (header.size() <= kScheme.size() || !is_space(header[kScheme.size()])) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (AsciiLower(header[i]) != kScheme[i]) return std::nullopt;
  }
  std::string_view token = header.substr(kScheme.size());
  while (!token.empty() && is_space(token.front())) token.remove_prefix(1);
  if (token.empty()) return std::nullopt;
  for (char c : token) {
    if (is_space(c)) return std::nullopt;
  }
  return token;
}

}  // namespace mailrelay::api
