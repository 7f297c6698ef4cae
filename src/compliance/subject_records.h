// compliance/subject_records.h — a data subject's records as they appear in exports and
// disclosures: each decrypted record with its region and the subject's role in it, and counts.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "vault/record.h"

namespace mailrelay::compliance {

// Returns "sender", "recipient" or "sender_and_recipient": the subject's role in `record`
// (`normalized` is keyring::NormalizeAddress of the subject).
std::string SubjectRole(const vault::MetadataRecord& record, std::string_view normalized);

// Returns the record as a document holds it: times in RFC 3339, every stored field, plus
// "region" and "role".
nlohmann::json SubjectRecordJson(const vault::MetadataRecord& record, std::string_view normalized);

// Returns {"records": n, "by_region": {region: n, … every region in `regions`},
// "by_role": {"sender": n, "recipient": n}} (a record where the subject is both counts in both).
nlohmann::json SubjectRecordCounts(const std::vector<vault::MetadataRecord>& records,
                                   std::string_view normalized,
                                   const std::vector<std::string>& regions);

}  // namespace mailrelay::compliance
