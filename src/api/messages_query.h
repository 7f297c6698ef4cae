// api/messages_query.h — GET /v1/messages query parameters → vault::MessageQuery.
// Pure. A bad parameter is kInvalidArgument whose message starts with the parameter's name.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "vault/query.h"

namespace mailrelay::api {

// Accepts route, status (delivered|rejected|delayed|any), since (unix ms or
// YYYY-MM-DDTHH:MM:SSZ), limit (1..1000), cursor (a next_cursor). Unknown or repeated
// parameters are errors too. `params` are decoded (name, value) pairs in request order.
StatusOr<vault::MessageQuery> ParseMessagesQuery(
    const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace mailrelay::api
