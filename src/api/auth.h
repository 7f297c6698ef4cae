// api/auth.h — the auth middleware's pure part: the bearer token in an Authorization header.
#pragma once

#include <optional>
#include <string_view>

namespace mailrelay::api {

// Returns the token of "Bearer <token>" (scheme case-insensitive, RFC 6750; surrounding spaces
// allowed), or nullopt for any other scheme or an empty token. The view points into `header`.
std::optional<std::string_view> BearerToken(std::string_view header);

}  // namespace mailrelay::api
