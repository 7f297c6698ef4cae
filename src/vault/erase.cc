// vault/erase.cc — see erase.h and docs/compliance.md "Erasure".
#include "vault/erase.h"

#include <algorithm>
#include <vector>

#include "keyring/address.h"
#include "vault/reclaim.h"
#include "vault/record_codec.h"

namespace mailrelay::vault {
namespace {

// A concurrent writer can commit new records of the subject while a round deletes; each round
// looks again. Three rounds end it even under a steady stream of the subject's mail.
constexpr int kMaxRounds = 3;

// Appends the seqs of the subject's records found under index `prefix`: blind-index
// candidates, decrypted and compared.
Status AppendMatches(Db& db, const keyring::KeySet& keys, std::string_view normalized,
                     std::string_view prefix, std::vector<int64_t>& out) {
  MR_ASSIGN_OR_RETURN(Stmt s, db.Prepare("SELECT seq, id, sender, recipient FROM records "
                                         "WHERE sender_index = ?1 UNION "
                                         "SELECT seq, id, sender, recipient FROM records "
                                         "WHERE recipient_index = ?1"));
  s.BindBlob(1, prefix);
  while (true) {
    MR_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    const std::string id = s.Text(1);
    bool match = false;
    for (int column : {2, 3}) {
      if (s.IsNull(column)) continue;
      const char* field = column == 2 ? "sender" : "recipient";
      auto plain = keys.OpenField(id, field, s.Blob(column));
      if (!plain.ok()) {
        return plain.status().WithContext("erasure candidate " + id + " in " + db.path());
      }
      match = match || keyring::NormalizeAddress(*plain) == normalized;
    }
    if (match) out.push_back(s.Int(0));
  }
  return Status::Ok();
}

// Returns the seqs of the subject's records under every held blind-index version (two while
// `keys rotate` re-indexes the region), sorted, each once.
StatusOr<std::vector<int64_t>> Matches(Db& db, const keyring::KeySet& keys,
                                       std::string_view normalized) {
  MR_ASSIGN_OR_RETURN(std::vector<std::string> indexes, keys.BlindIndexes(normalized));
  std::vector<int64_t> out;
  for (const std::string& index : indexes) {
    MR_RETURN_IF_ERROR(
        AppendMatches(db, keys, normalized, index.substr(0, kStoredBlindIndexBytes), out));
  }
  std::sort(out.begin(), out.end());  // neighbouring rows share leaf pages
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

StatusOr<RegionErasure> EraseSubjectInRegion(Db& db, const keyring::KeySet& keys,
                                             std::string_view normalized_address, bool dry_run,
                                             int batch) {
  RegionErasure result;
  if (dry_run) {
    MR_ASSIGN_OR_RETURN(std::vector<int64_t> seqs, Matches(db, keys, normalized_address));
    result.records = seqs.size();
    return result;
  }
  MR_ASSIGN_OR_RETURN(Stmt del, db.Prepare("DELETE FROM records WHERE seq = ?1"));
  for (int round = 0; round < kMaxRounds; ++round) {
    MR_ASSIGN_OR_RETURN(std::vector<int64_t> seqs, Matches(db, keys, normalized_address));
    if (seqs.empty()) break;
    for (size_t start = 0; start < seqs.size(); start += static_cast<size_t>(batch)) {
      const size_t end = std::min(seqs.size(), start + static_cast<size_t>(batch));
      // Bounded transactions: the relay's group commit waits for one batch at most.
      MR_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
      for (size_t i = start; i < end; ++i) {
        del.Reset();
        del.BindInt(1, seqs[i]);
        if (Status s = del.Run(); !s.ok()) {
          (void)db.Exec("ROLLBACK");
          return s.WithContext("erasure in " + db.path());
        }
        result.records += static_cast<uint64_t>(db.changes());
      }
      MR_RETURN_IF_ERROR(db.Exec("COMMIT"));
    }
  }
  if (result.records > 0) {
    MR_ASSIGN_OR_RETURN(result.space_freed, ReclaimFreedSpace(db));
  }
  return result;
}

}  // namespace mailrelay::vault
