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
#include "vault/erase.h"
#include "vault/key_table.h"
#include "vault/lea_case_store.h"
#include "vault/partitioned_region_store.h"
#include "vault/region_keys.h"
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

bool NewerFirst(const std::pair<const RegionKeys*, StoredRecord>& a,
                const std::pair<const RegionKeys*, StoredRecord>& b) {
  return NewerInHistory(a.second, b.second);
}

}  // namespace

std::string RegionFileName(std::string_view region) {
  return "vault-" + std::string(region) + ".db";
}

Vault::RegionSlot::RegionSlot() = default;
Vault::RegionSlot::RegionSlot(RegionSlot&&) noexcept = default;
Vault::RegionSlot::~RegionSlot() {
  store.reset();  // before the keys: the store's writer calls them
}

Vault::~Vault() = default;

StatusOr<std::unique_ptr<Vault>> Vault::Open(const VaultOptions& options) {
  return Open(options, PartitionedRegionStore::Factory(
                           options.data_dir, options.partition_span_days,
                           options.partition_idle_close, options.create_if_missing));
}

StatusOr<std::unique_ptr<Vault>> Vault::Open(const VaultOptions& options,
                                             const RecordStoreFactory& records) {
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
    // `keys rotate-master` re-keys control.db too: a re-key a crash interrupted is completed
    // (it had committed) or discarded before the key check is read.
    MR_ASSIGN_OR_RETURN(bool rekeyed, FinishInterruptedRekey(path));
    if (rekeyed) log::Warn("vault.rekey_completed").Ident("file", log::Id("control")).Emit();
    MR_ASSIGN_OR_RETURN(
        std::unique_ptr<Db> db,
        OpenStoreFile(path, *vault->global_keys_, FileKind::kControl, options.create_if_missing));
    SqliteKeyStore store(*db);
    Status s = vault->global_keys_->Load(store, {keyring::kPurposeAuditPseudonym},
                                         options.create_if_missing);
    if (!s.ok()) return s.WithContext("vault file " + path);
  }
  for (const std::string& region : options.regions) {
    // The Vault's keys for the region (field, blind index); the store gets none of them.
    MR_ASSIGN_OR_RETURN(std::unique_ptr<keyring::KeySet> keys,
                        keyring::KeySet::Derive(master, region));
    RegionSlot slot;
    slot.keys = std::make_unique<RegionKeys>(std::move(keys));
    MR_ASSIGN_OR_RETURN(slot.store, records(region, master, *slot.keys));
    MR_RETURN_IF_ERROR(slot.keys->Load(*slot.store, options.create_if_missing));
    vault->slots_.emplace(region, std::move(slot));
  }
  log::Info("vault.opened").Num("regions", static_cast<int64_t>(options.regions.size())).Emit();
  return vault;
}

StatusOr<std::map<std::string, SweepCounts>> Vault::Sweep(
    int64_t now_ms, bool dry_run, const RetentionPolicy* policy,
    const std::function<void(const std::string& region, const SweepCounts&)>& progress) {
  std::map<std::string, SweepCounts> out;
  for (const std::string& region : regions_) {
    std::optional<CapLimits> limits;
    if (policy != nullptr) limits = CapLimitsFrom(policy->For(region));
    SweepProgress region_progress;
    if (progress) region_progress = [&](const SweepCounts& c) { progress(region, c); };
    MR_ASSIGN_OR_RETURN(out[region],
                        Region(region)->store->Sweep(now_ms, dry_run, limits ? &*limits : nullptr,
                                                     region_progress));
  }
  return out;
}

Vault::RegionSlot* Vault::Region(std::string_view region) {
  auto it = slots_.find(region);
  return it == slots_.end() ? nullptr : &it->second;
}

Status Vault::Commit(std::vector<MetadataRecord> records) {
  struct RegionBatch {
    std::vector<const MetadataRecord*> plain;
    std::vector<StoredRecord> sealed;
    CommitBatch batch;
  };
  std::map<RegionSlot*, RegionBatch> by_region;
  for (const MetadataRecord& r : records) {
    RegionSlot* slot = Region(r.region);
    if (slot == nullptr) {
      std::string known;
      for (const std::string& k : regions_) known += (known.empty() ? "" : ", ") + k;
      return Status::InvalidArgument("record " + (IsValidRecordId(r.id) ? r.id : "?") +
                                     ": region '" + r.region +
                                     "' is not one of this vault's regions (" + known + ")");
    }
    MR_ASSIGN_OR_RETURN(StoredRecord sealed, SealRecord(slot->keys->keys(), r));
    RegionBatch& rb = by_region[slot];
    rb.plain.push_back(&r);
    rb.sealed.push_back(std::move(sealed));
  }
  for (auto& [slot, rb] : by_region) {
    rb.batch.records = &rb.sealed;
    slot->keys->KeepPlaintext(&rb.batch, &rb.plain);
    slot->store->Enqueue(&rb.batch);
  }
  Status first_error;
  for (auto& [slot, rb] : by_region) {
    Status s = slot->store->Wait(&rb.batch);
    slot->keys->ForgetPlaintext(&rb.batch);
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
  std::vector<RegionSlot*> slots;
  if (query.region) {
    RegionSlot* s = Region(*query.region);
    if (s == nullptr) {
      return Status::InvalidArgument("region '" + *query.region + "' is not one of this vault's");
    }
    slots.push_back(s);
  } else {
    for (const std::string& r : regions_) slots.push_back(Region(r));
  }
  // limit + 1 from each region tells whether anything remains after this page.
  std::vector<std::pair<const RegionKeys*, StoredRecord>> rows;
  for (RegionSlot* slot : slots) {
    MR_RETURN_IF_ERROR(slot->keys->Refresh(*slot->store));
    MR_ASSIGN_OR_RETURN(std::vector<StoredRecord> found,
                        slot->store->List(query, after, limit + 1));
    for (StoredRecord& r : found) rows.emplace_back(slot->keys.get(), std::move(r));
  }
  std::sort(rows.begin(), rows.end(), NewerFirst);
  MessagePage page;
  bool more = rows.size() > limit;
  if (more) rows.resize(limit);
  for (const auto& [keys, stored] : rows) {
    MR_ASSIGN_OR_RETURN(MetadataRecord r, OpenRecord(keys->keys(), stored));
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
  std::vector<std::pair<const RegionKeys*, StoredRecord>> rows;
  for (const std::string& region : regions_) {
    RegionSlot* slot = Region(region);
    MR_RETURN_IF_ERROR(slot->keys->Refresh(*slot->store));
    MR_ASSIGN_OR_RETURN(std::vector<StoredRecord> found,
                        slot->keys->FindByAddress(*slot->store, norm));
    for (StoredRecord& r : found) rows.emplace_back(slot->keys.get(), std::move(r));
  }
  std::sort(rows.begin(), rows.end(), NewerFirst);
  std::vector<MetadataRecord> out;
  for (const auto& [keys, stored] : rows) {
    MR_ASSIGN_OR_RETURN(MetadataRecord r, OpenRecord(keys->keys(), stored));
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
    RegionSlot* slot = Region(region);
    // Another process (`keys rotate`) may have added a field-key version since this one loaded.
    MR_RETURN_IF_ERROR(slot->keys->Refresh(*slot->store));
    MR_ASSIGN_OR_RETURN(RegionErasure r,
                        EraseSubjectFromStore(*slot->store, slot->keys->keys(), norm, dry_run));
    out.records_by_region[region] = r.records;
    out.space_freed = out.space_freed && r.space_freed;
  }
  return out;
}

Status Vault::Verify() {
  for (const std::string& region : regions_) MR_RETURN_IF_ERROR(Region(region)->store->Verify());
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
  for (const auto& [region, slot] : slots_) {
    auto s = slot.store->commit_stats();
    out.transactions += s.groups;
    out.batches += s.batches;
  }
  return out;
}

}  // namespace mailrelay::vault
