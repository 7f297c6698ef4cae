// vault/vault.cc — the facade over the region stores and control.db.
#include "vault/vault.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>

#include "common/log.h"
#include "keyring/address.h"
#include "keyring/key_set.h"
#include "keyring/master_key.h"
#include "keyring/signing_key.h"
#include "vault/cursor.h"
#include "vault/key_table.h"
#include "vault/lea_case_store.h"
#include "vault/region_store.h"
#include "vault/rekey.h"
#include "vault/store_file.h"
#include "vault/token_store.h"

namespace mailrelay::vault {
namespace {

bool IsValidRegionId(std::string_view r) {
  if (r.empty() || r.size() > 32 || r == keyring::kGlobalScope) return false;
  return std::all_of(r.begin(), r.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

Status CheckOptions(const VaultOptions& o) {
  if (o.data_dir.empty()) return Status::InvalidArgument("vault: data_dir is empty");
  if (o.regions.empty()) return Status::InvalidArgument("vault: no regions configured");
  std::set<std::string> seen;
  for (const std::string& r : o.regions) {
    if (!IsValidRegionId(r)) {
      return Status::InvalidArgument(
          "vault: region id '" + r +
          "' is invalid; use 1-32 characters of [a-z0-9-], not 'global'");
    }
    if (!seen.insert(r).second) {
      return Status::InvalidArgument("vault: region '" + r + "' is listed twice");
    }
  }
  return Status::Ok();
}

Status EnsureDataDir(const std::string& dir, bool create) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      return Status::FailedPrecondition("vault data_dir " + dir + " is not a directory");
    }
    return Status::Ok();
  }
  if (!create) {
    return Status::NotFound("vault data_dir " + dir +
                            " missing: run `mailrelay keys init`, or fix data_dir in the config");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Status::PermissionDenied("vault data_dir " + dir +
                                    " cannot be created: " + ec.message());
  }
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  return Status::Ok();
}

bool NewerFirst(const std::pair<RegionStore*, StoredRecord>& a,
                const std::pair<RegionStore*, StoredRecord>& b) {
  if (a.second.received_at_ms != b.second.received_at_ms) {
    return a.second.received_at_ms > b.second.received_at_ms;
  }
  return a.second.id > b.second.id;
}

}  // namespace

std::string RegionFileName(std::string_view region) {
  return "vault-" + std::string(region) + ".db";
}

Vault::~Vault() = default;

StatusOr<std::unique_ptr<Vault>> Vault::Open(const VaultOptions& options) {
  MR_RETURN_IF_ERROR(CheckOptions(options));
  MR_ASSIGN_OR_RETURN(keyring::MasterKey master, keyring::MasterKey::Load(options.master_key_path));
  MR_RETURN_IF_ERROR(EnsureDataDir(options.data_dir, options.create_if_missing));

  std::unique_ptr<Vault> vault(new Vault());
  vault->regions_ = options.regions;
  {
    // control.db: the global audit-pseudonym key. Read once here; it is never rotated in place.
    MR_ASSIGN_OR_RETURN(vault->global_keys_,
                        keyring::KeySet::Derive(master, keyring::kGlobalScope));
    std::string path = options.data_dir + "/" + kControlFileName;
    vault->control_path_ = path;
    MR_ASSIGN_OR_RETURN(
        std::unique_ptr<Db> db,
        OpenStoreFile(path, *vault->global_keys_, FileKind::kControl, options.create_if_missing));
    SqliteKeyStore store(*db);
    Status s = vault->global_keys_->Load(store, {keyring::kPurposeAuditPseudonym},
                                         options.create_if_missing);
    if (!s.ok()) return s.WithContext("vault file " + path);
  }
  for (const std::string& region : options.regions) {
    std::string path = options.data_dir + "/" + RegionFileName(region);
    // A re-key (`keys rotate`) a crash interrupted is completed or discarded first; then the
    // key-check file names the page-key version that opens the file (docs/keys.md).
    MR_ASSIGN_OR_RETURN(bool rekeyed, FinishInterruptedRekey(path));
    if (rekeyed) log::Warn("vault.rekey_completed").Ident("region", log::Id(region)).Emit();
    const uint32_t page = PageKeyVersion(path);
    if (page == 0) {
      return Status::DataLoss("key-check file " + KeyCheckPath(path) +
                              " names no valid page-key version; restore it from a backup");
    }
    MR_ASSIGN_OR_RETURN(std::unique_ptr<keyring::KeySet> keys,
                        keyring::KeySet::Derive(master, region, page));
    MR_ASSIGN_OR_RETURN(std::unique_ptr<RegionStore> store,
                        RegionStore::Open(path, std::move(keys), options.create_if_missing));
    vault->stores_.emplace(region, std::move(store));
  }
  log::Info("vault.opened").Num("regions", static_cast<int64_t>(options.regions.size())).Emit();
  return vault;
}

StatusOr<std::map<std::string, SweepCounts>> Vault::Sweep(int64_t now_ms, bool dry_run,
                                                          const RetentionPolicy* policy) {
  std::map<std::string, SweepCounts> out;
  for (const std::string& region : regions_) {
    std::optional<CapLimits> limits;
    if (policy != nullptr) limits = CapLimitsFrom(policy->For(region));
    MR_ASSIGN_OR_RETURN(out[region],
                        Region(region)->Sweep(now_ms, dry_run, limits ? &*limits : nullptr));
  }
  return out;
}

RegionStore* Vault::Region(std::string_view region) const {
  auto it = stores_.find(region);
  return it == stores_.end() ? nullptr : it->second.get();
}

Status Vault::Commit(std::vector<MetadataRecord> records) {
  struct RegionBatch {
    std::vector<const MetadataRecord*> plain;
    std::vector<StoredRecord> sealed;
    CommitBatch batch;
  };
  std::map<RegionStore*, RegionBatch> by_region;
  for (const MetadataRecord& r : records) {
    RegionStore* store = Region(r.region);
    if (store == nullptr) {
      std::string known;
      for (const std::string& k : regions_) known += (known.empty() ? "" : ", ") + k;
      return Status::InvalidArgument("record " + (IsValidRecordId(r.id) ? r.id : "?") +
                                     ": region '" + r.region +
                                     "' is not one of this vault's regions (" + known + ")");
    }
    MR_ASSIGN_OR_RETURN(StoredRecord sealed, SealRecord(store->keys(), r));
    RegionBatch& rb = by_region[store];
    rb.plain.push_back(&r);
    rb.sealed.push_back(std::move(sealed));
  }
  for (auto& [store, rb] : by_region) {
    rb.batch.records = &rb.sealed;
    rb.batch.plain = &rb.plain;
    store->Enqueue(&rb.batch);
  }
  Status first_error;
  for (auto& [store, rb] : by_region) {
    Status s = store->Wait(&rb.batch);
    if (!s.ok() && first_error.ok()) first_error = s;
  }
  return first_error;
}

StatusOr<MessagePage> Vault::ListMessages(const MessageQuery& query) {
  size_t limit = query.limit == 0 ? kDefaultPageSize : std::min(query.limit, kMaxPageSize);
  std::optional<CursorPosition> after;
  if (!query.cursor.empty()) {
    MR_ASSIGN_OR_RETURN(after, DecodeCursor(query.cursor));
  }
  std::vector<RegionStore*> stores;
  if (query.region) {
    RegionStore* s = Region(*query.region);
    if (s == nullptr) {
      return Status::InvalidArgument("region '" + *query.region + "' is not one of this vault's");
    }
    stores.push_back(s);
  } else {
    for (const std::string& r : regions_) stores.push_back(Region(r));
  }
  // limit + 1 from each region tells whether anything remains after this page.
  std::vector<std::pair<RegionStore*, StoredRecord>> rows;
  for (RegionStore* store : stores) {
    MR_ASSIGN_OR_RETURN(std::vector<StoredRecord> found, store->List(query, after, limit + 1));
    for (StoredRecord& r : found) rows.emplace_back(store, std::move(r));
  }
  std::sort(rows.begin(), rows.end(), NewerFirst);
  MessagePage page;
  bool more = rows.size() > limit;
  if (more) rows.resize(limit);
  for (const auto& [store, stored] : rows) {
    MR_ASSIGN_OR_RETURN(MetadataRecord r, OpenRecord(store->keys(), stored));
    page.records.push_back(std::move(r));
  }
  if (more && !rows.empty()) {
    page.next_cursor = EncodeCursor({rows.back().second.received_at_ms, rows.back().second.id});
  }
  return page;
}

StatusOr<std::vector<MetadataRecord>> Vault::FindBySubject(std::string_view address) {
  std::string norm = keyring::NormalizeAddress(address);
  if (norm.empty()) return Status::InvalidArgument("subject address is empty");
  std::vector<std::pair<RegionStore*, StoredRecord>> rows;
  for (const std::string& region : regions_) {
    RegionStore* store = Region(region);
    MR_ASSIGN_OR_RETURN(std::vector<StoredRecord> found, store->FindByAddress(norm));
    for (StoredRecord& r : found) rows.emplace_back(store, std::move(r));
  }
  std::sort(rows.begin(), rows.end(), NewerFirst);
  std::vector<MetadataRecord> out;
  for (const auto& [store, stored] : rows) {
    MR_ASSIGN_OR_RETURN(MetadataRecord r, OpenRecord(store->keys(), stored));
    // Decrypt-and-compare: a blind-index collision never returns someone else's record.
    if (keyring::NormalizeAddress(r.sender) != norm &&
        keyring::NormalizeAddress(r.recipient) != norm) {
      continue;
    }
    out.push_back(std::move(r));
  }
  return out;
}

StatusOr<Vault::Erasure> Vault::EraseSubject(std::string_view address, bool dry_run) {
  const std::string norm = keyring::NormalizeAddress(address);
  if (norm.empty()) return Status::InvalidArgument("subject address is empty");
  Erasure out;
  for (const std::string& region : regions_) {
    MR_ASSIGN_OR_RETURN(RegionErasure r, Region(region)->EraseSubject(norm, dry_run));
    out.records_by_region[region] = r.records;
    out.space_freed = out.space_freed && r.space_freed;
  }
  return out;
}

Status Vault::Verify() {
  for (const std::string& region : regions_) MR_RETURN_IF_ERROR(Region(region)->Verify());
  return Status::Ok();
}

StatusOr<std::string> Vault::AuditPseudonym(std::string_view address) const {
  return global_keys_->AuditPseudonym(address);
}

StatusOr<TokenStore*> Vault::Tokens() {
  std::lock_guard lock(tokens_mu_);
  if (!tokens_) {
    MR_ASSIGN_OR_RETURN(tokens_, TokenStore::Open(control_path_, *global_keys_));
  }
  return tokens_.get();
}

StatusOr<LeaCaseStore*> Vault::LeaCases() {
  std::lock_guard lock(tokens_mu_);
  if (!lea_cases_) {
    MR_ASSIGN_OR_RETURN(lea_cases_, LeaCaseStore::Open(control_path_, *global_keys_));
  }
  return lea_cases_.get();
}

StatusOr<std::unique_ptr<keyring::SigningKey>> Vault::DocumentSigningKey() {
  MR_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, OpenConnection(control_path_, *global_keys_));
  SqliteKeyStore store(*db);
  auto key = keyring::SigningKey::Load(*global_keys_, store, /*create_missing=*/true,
                                       keyring::kPurposeDocumentSigning);
  if (!key.ok()) return key.status().WithContext("vault file " + control_path_);
  return key;
}

Vault::CommitStats Vault::commit_stats() const {
  CommitStats out;
  for (const auto& [region, store] : stores_) {
    auto s = store->commit_stats();
    out.transactions += s.groups;
    out.batches += s.batches;
  }
  return out;
}

}  // namespace mailrelay::vault
