// vault/erase.cc — see erase.h and docs/compliance.md "Erasure".
#include "vault/erase.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "keyring/address.h"
#include "vault/record_codec.h"

namespace mailrelay::vault {
namespace {

// A concurrent writer can commit new records of the subject while a round deletes; each round
// looks again. Three rounds end it even under a steady stream of the subject's mail.
constexpr int kMaxRounds = 3;

// Appends the rows of the subject's records among the candidates under index `prefix`.
Status AppendMatches(RecordStore& store, const keyring::KeySet& keys, std::string_view normalized,
                     std::string_view prefix, std::vector<int64_t>& out) {
  MR_ASSIGN_OR_RETURN(std::vector<EraseCandidate> candidates, store.EraseCandidates(prefix));
  for (const EraseCandidate& c : candidates) {
    bool match = false;
    const std::pair<const char*, const std::optional<std::string>*> fields[] = {
        {"sender", &c.sender}, {"recipient", &c.recipient}};
    for (const auto& [field, sealed] : fields) {
      if (!*sealed) continue;
      auto plain = keys.OpenField(c.id, field, **sealed);
      if (!plain.ok()) {
        return plain.status().WithContext("erasure candidate " + c.id + " in " + store.Describe());
      }
      match = match || keyring::NormalizeAddress(*plain) == normalized;
    }
    if (match) out.push_back(c.row);
  }
  return Status::Ok();
}

// Returns the rows of the subject's records under every held blind-index version (two while
// `keys rotate` re-indexes the region), sorted, each once.
StatusOr<std::vector<int64_t>> Matches(RecordStore& store, const keyring::KeySet& keys,
                                       std::string_view normalized) {
  MR_ASSIGN_OR_RETURN(std::vector<std::string> indexes, keys.BlindIndexes(normalized));
  std::vector<int64_t> out;
  for (const std::string& index : indexes) {
    MR_RETURN_IF_ERROR(AppendMatches(
        store, keys, normalized, std::string_view(index).substr(0, kStoredBlindIndexBytes), out));
  }
  std::sort(out.begin(), out.end());  // neighbouring rows share leaf pages
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

StatusOr<RegionErasure> EraseSubjectFromStore(RecordStore& store, const keyring::KeySet& keys,
                                              std::string_view normalized_address, bool dry_run,
                                              size_t batch) {
  RegionErasure result;
  if (dry_run) {
    MR_ASSIGN_OR_RETURN(std::vector<int64_t> rows, Matches(store, keys, normalized_address));
    result.records = rows.size();
    return result;
  }
  for (int round = 0; round < kMaxRounds; ++round) {
    MR_ASSIGN_OR_RETURN(std::vector<int64_t> rows, Matches(store, keys, normalized_address));
    if (rows.empty()) break;
    MR_ASSIGN_OR_RETURN(uint64_t deleted, store.DeleteRows(rows, batch));
    result.records += deleted;
  }
  if (result.records > 0) {
    MR_ASSIGN_OR_RETURN(result.space_freed, store.ReclaimSpace());
  }
  return result;
}

}  // namespace mailrelay::vault
