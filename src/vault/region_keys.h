// vault/region_keys.h — one region's keys on the Vault's side of the RecordStore seam: loads and
// refreshes them from the store's wrapped-key table, reseals a batch inside the store's write
// transaction (WriteGuard), and finds a subject's records (blind indexes, then open and compare).
// Internal to vault/. Thread-safe (keyring::KeySet is).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "keyring/key_set.h"
#include "vault/record_store.h"

namespace mailrelay::vault {

class RegionKeys : public WriteGuard {
 public:
  // `keys`: the region's KeySet, derived from the master key; Load fills it.
  explicit RegionKeys(std::unique_ptr<keyring::KeySet> keys) : keys_(std::move(keys)) {}

  const keyring::KeySet& keys() const { return *keys_; }
  const std::string& region() const { return keys_->scope(); }

  // Loads the field and blind-index keys from `store` (with `create_missing`, creating those it
  // lacks). Errors name the store.
  Status Load(RecordStore& store, bool create_missing);
  // Reloads when another process (`keys rotate`) moved the key generation since the last load.
  Status Refresh(RecordStore& store);

  // Returns the stored records whose sender or recipient index is that of `normalized` under
  // any held blind-index version (two during a key rotation), each once. Candidates only: the
  // caller opens and compares each.
  StatusOr<std::vector<StoredRecord>> FindByAddress(RecordStore& store,
                                                    std::string_view normalized);

  // WriteGuard: refreshes the keys inside the write transaction; reseals a batch sealed under a
  // version other than the active one (another process rotated or destroyed it meanwhile), so
  // once `keys rotate` added a version no record under an older one is written any more.
  Status BeginGroup(keyring::WrappedKeyStore& key_table) override;
  Status PrepareBatch(CommitBatch& batch) override;

  // Keeps `plain` (what `batch` was sealed from) for a reseal until ForgetPlaintext(batch):
  // the plaintext stays on this side of the seam, never in the batch the store gets.
  void KeepPlaintext(const CommitBatch* batch, const std::vector<const MetadataRecord*>* plain);
  void ForgetPlaintext(const CommitBatch* batch);

 private:
  std::unique_ptr<keyring::KeySet> keys_;
  std::mutex plain_mu_;
  std::map<const CommitBatch*, const std::vector<const MetadataRecord*>*> plain_;  // plain_mu_
};

}  // namespace mailrelay::vault
