// compliance/export_bundle.cc — see export_bundle.h.
#include "compliance/export_bundle.h"

#include "common/time_format.h"
#include "compliance/subject_records.h"

namespace mailrelay::compliance {

nlohmann::json BuildExportBundle(const ExportInput& in) {
  nlohmann::json records = nlohmann::json::array();
  for (const auto& r : in.records) records.push_back(SubjectRecordJson(r, in.normalized_address));
  return {{"format", kExportFormat},
          {"subject", {{"address", in.normalized_address}, {"index", in.subject_index}}},
          {"generated_at", FormatRfc3339(in.generated_at_ms)},
          {"regions_searched", in.regions},
          {"records", std::move(records)},
          {"counts", SubjectRecordCounts(in.records, in.normalized_address, in.regions)},
          {"information", in.information}};
}

}  // namespace mailrelay::compliance
