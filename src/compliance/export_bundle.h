// compliance/export_bundle.h — the data-subject export (GDPR Art. 15 access, Art. 20
// portability): the subject's records and the Art. 15 information, as schemas/export.schema.json.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vault/record.h"

namespace mailrelay::compliance {

inline constexpr char kExportFormat[] = "mailrelay.subject-export.v1";

struct ExportInput {
  std::string normalized_address;  // keyring::NormalizeAddress of the subject
  std::string subject_index;       // its audit pseudonym (64 hex digits)
  int64_t generated_at_ms = 0;
  std::vector<std::string> regions;            // every region searched
  std::vector<vault::MetadataRecord> records;  // the subject's records, newest first
  nlohmann::json information;  // Art. 15 information: purposes, recipients, retention, …
};

// Returns the bundle document (unsigned; signed_document.h signs it).
nlohmann::json BuildExportBundle(const ExportInput& input);

}  // namespace mailrelay::compliance
