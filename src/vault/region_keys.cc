// vault/region_keys.cc — see region_keys.h; docs/keys.md "Rotation" for the reseal rule.
#include "vault/region_keys.h"

#include <set>
#include <string>

namespace mailrelay::vault {

Status RegionKeys::Load(RecordStore& store, bool create_missing) {
  Status s = store.WithKeyTable([&](keyring::WrappedKeyStore& table) {
    return keys_->Load(table, {keyring::kPurposeField, keyring::kPurposeBlindIndex},
                       create_missing);
  });
  if (!s.ok()) return s.WithContext(store.Describe());
  return s;
}

Status RegionKeys::Refresh(RecordStore& store) {
  return store.WithKeyTable(
      [&](keyring::WrappedKeyStore& table) { return keys_->RefreshIfStale(table).status(); });
}

StatusOr<std::vector<StoredRecord>> RegionKeys::FindByAddress(RecordStore& store,
                                                              std::string_view normalized) {
  // One index per held blind-index version: two while a rotation re-indexes the region.
  MR_ASSIGN_OR_RETURN(std::vector<std::string> indexes, keys_->BlindIndexes(normalized));
  if (indexes.size() == 1) {
    return store.FindByIndexPrefix(
        std::string_view(indexes.front()).substr(0, kStoredBlindIndexBytes));
  }
  std::vector<StoredRecord> out;
  std::set<std::string> seen;
  for (const std::string& index : indexes) {
    MR_ASSIGN_OR_RETURN(
        std::vector<StoredRecord> found,
        store.FindByIndexPrefix(std::string_view(index).substr(0, kStoredBlindIndexBytes)));
    for (StoredRecord& r : found) {
      if (seen.insert(r.id).second) out.push_back(std::move(r));
    }
  }
  return out;
}

Status RegionKeys::BeginGroup(keyring::WrappedKeyStore& key_table) {
  return keys_->RefreshIfStale(key_table).status();
}

Status RegionKeys::PrepareBatch(CommitBatch& batch) {
  const uint32_t active = keys_->active_field_version();
  bool reseal = false;
  for (const StoredRecord& r : *batch.records) reseal = reseal || r.key_version != active;
  if (!reseal) return Status::Ok();
  const std::vector<const MetadataRecord*>* plain = nullptr;
  {
    std::lock_guard lock(plain_mu_);
    if (auto it = plain_.find(&batch); it != plain_.end()) plain = it->second;
  }
  if (plain == nullptr || plain->size() != batch.records->size()) {
    return Status::Internal("vault region " + region() + ": a batch sealed under key version " +
                            "other than the active one came without its plaintext");
  }
  for (size_t i = 0; i < batch.records->size(); ++i) {
    MR_ASSIGN_OR_RETURN((*batch.records)[i], SealRecord(*keys_, *(*plain)[i]));
  }
  return Status::Ok();
}

void RegionKeys::KeepPlaintext(const CommitBatch* batch,
                               const std::vector<const MetadataRecord*>* plain) {
  std::lock_guard lock(plain_mu_);
  plain_[batch] = plain;
}

void RegionKeys::ForgetPlaintext(const CommitBatch* batch) {
  std::lock_guard lock(plain_mu_);
  plain_.erase(batch);
}

}  // namespace mailrelay::vault
