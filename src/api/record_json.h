// api/record_json.h — the JSON shape of message history, shared by GET /v1/messages and
// `mailrelay messages`: {"messages": [record, …], "next_cursor": "…" | null}.
#pragma once

#include <nlohmann/json.hpp>

#include "vault/query.h"
#include "vault/record.h"

namespace mailrelay::api {

// Returns one decrypted record as JSON (the field names of vault/record.h; "message" is the
// mailrelay message id the recipients' records share).
nlohmann::json RecordJson(const vault::MetadataRecord& record);

// Returns {"messages": [...], "next_cursor": <string or null on the last page>}.
nlohmann::json MessagePageJson(const vault::MessagePage& page);

}  // namespace mailrelay::api
