// vault/vault.h — the encrypted metadata vault: one SQLCipher file per region
// (vault-<region>.db) plus control.db for global keys, all in one data directory.
// docs/vault.md describes the files, docs/keys.md the keys.
//
//   VaultOptions o{.data_dir = "var", .regions = {"us", "eu", "ap"},
//                  .master_key_path = "var/master.key"};
//   MR_ASSIGN_OR_RETURN(std::unique_ptr<Vault> vault, Vault::Open(o));
//   MR_RETURN_IF_ERROR(vault->Commit(std::move(records)));   // durable when ok
//   MR_ASSIGN_OR_RETURN(MessagePage page, vault->ListMessages(MessageQuery{}));
//
// Thread-safe. Several processes may open the same files at once (SQLite locking; key changes
// are noticed through the key generation, see docs/keys.md).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/retention.h"
#include "common/status.h"
#include "vault/query.h"
#include "vault/record.h"
#include "vault/record_store_factory.h"
#include "vault/sweep_counts.h"

namespace mailrelay::keyring {
class KeySet;
class SigningKey;
}  // namespace mailrelay::keyring

namespace mailrelay::vault {

class LeaCaseStore;
class RegionKeys;
class TokenStore;

struct VaultOptions {
  std::string data_dir;              // vault-<region>.db and control.db live here
  std::vector<std::string> regions;  // e.g. {"us", "eu", "ap"}; ids of [a-z0-9-]{1,32}
  std::string master_key_path;       // 0600 file; $MAILRELAY_MASTER_KEY (hex) overrides it
  // `keys init` / quickstart: create the data directory (0700), missing files and their keys.
  // Otherwise a missing file is kNotFound. The master key itself is never created here
  // (keyring::CreateMasterKeyFile does that).
  bool create_if_missing = false;
  // New records go to expiry partitions of this many days (1..31), which the sweep removes as
  // whole files; 0: to the region file (docs/retention.md "Expiry partitions").
  int partition_span_days = 0;
  // A partition that nothing but sweeps has used for this long is closed at the end of a sweep
  // (serve's run every 10 minutes by default): in steady state only the files being written
  // stay open.
  std::chrono::milliseconds partition_idle_close = std::chrono::minutes(5);
};

// Returns the file name of a region's vault ("vault-eu.db").
std::string RegionFileName(std::string_view region);
inline constexpr char kControlFileName[] = "control.db";

class Vault {
 public:
  // Opens every file, checks the master key against each (kUnauthenticated if wrong), and
  // migrates schemas. Errors name the file and what to do: kNotFound (missing file or key),
  // kFailedPrecondition (key file permissions), kInvalidArgument (malformed key or options),
  // kDataLoss (corrupt file).
  static StatusOr<std::unique_ptr<Vault>> Open(const VaultOptions& options);
  // The same with the regions' records in the stores `records` opens (vault/record_store.h)
  // instead of the SQLCipher files in data_dir; control.db stays in data_dir.
  static StatusOr<std::unique_ptr<Vault>> Open(const VaultOptions& options,
                                               const RecordStoreFactory& records);
  ~Vault();
  Vault(const Vault&) = delete;
  Vault& operator=(const Vault&) = delete;

  // Seals, indexes and stores `records`; returns once they are durable (synchronous=FULL).
  // Concurrent callers share one transaction per region (group commit). All records of one
  // region commit or fail together; records of different regions commit independently.
  // kInvalidArgument for an unknown region or a malformed record (nothing is written then).
  Status Commit(std::vector<MetadataRecord> records);

  // Returns one page of message history, newest first, decrypted.
  StatusOr<MessagePage> ListMessages(const MessageQuery& query);

  // Returns every record, in every region, whose sender or recipient is `address` (after
  // keyring::NormalizeAddress), newest first, decrypted. Found by blind index, region by region.
  StatusOr<std::vector<MetadataRecord>> FindBySubject(std::string_view address);

  struct Erasure {
    std::map<std::string, uint64_t> records_by_region;  // every region, zero included
    bool space_freed = true;  // every touched region's WAL was truncated afterwards
  };
  // Erases every record, in every region, whose sender or recipient is `address` (after
  // keyring::NormalizeAddress), beyond recovery from the files (vault/erase.h). Harmless when
  // there is nothing to erase. With `dry_run`, only counts.
  StatusOr<Erasure> EraseSubject(std::string_view address, bool dry_run);

  // Returns the audit pseudonym (64 hex digits) of `address`: the same in every region.
  StatusOr<std::string> AuditPseudonym(std::string_view address) const;

  // Reads every page of every region file (PRAGMA quick_check, which also checks each page's
  // SQLCipher HMAC); kDataLoss naming the file if any is damaged. O(size of the vault).
  Status Verify();

  // Retention sweep as of `now_ms` (unix ms), region by region: deletes records whose
  // expires_at_ms <= now_ms, clears fields whose expiry <= now_ms (they read back ""), frees
  // the space. With `dry_run`, only counts. Returns the counts by region id. With `policy`
  // (the retention in force), stored expiries beyond its lifetimes are capped first, so a
  // shortened policy applies to records written before it (docs/retention.md). `progress`,
  // when set, is called with the region and its counts so far after each batch.
  StatusOr<std::map<std::string, SweepCounts>> Sweep(
      int64_t now_ms, bool dry_run = false, const RetentionPolicy* policy = nullptr,
      const std::function<void(const std::string& region, const SweepCounts&)>& progress = {});

  const std::vector<std::string>& regions() const { return regions_; }

  // Returns the API token store in control.db (vault/token_store.h), opened on first use (its
  // own connection; creates the api-token key if missing; the tokens table is control.db
  // schema v2).
  StatusOr<TokenStore*> Tokens();

  // Returns the law-enforcement case store in control.db (vault/lea_case_store.h), opened on
  // first use like Tokens().
  StatusOr<LeaCaseStore*> LeaCases();

  // Returns the Ed25519 key that signs compliance documents (keyring/signing_key.h), created
  // on first use. The caller owns it; only Sign() and the public key are reachable.
  StatusOr<std::unique_ptr<keyring::SigningKey>> DocumentSigningKey();

  struct CommitStats {
    uint64_t transactions = 0;  // group commits, over all regions
    uint64_t batches = 0;       // Commit calls' per-region batches they served
  };
  CommitStats commit_stats() const;

 private:
  // One region: its keys (the Vault's) and its records (the backend's). The store goes first
  // (its writer thread calls the keys as its WriteGuard).
  struct RegionSlot {
    std::unique_ptr<RegionKeys> keys;
    std::unique_ptr<RecordStore> store;
    RegionSlot();
    RegionSlot(RegionSlot&&) noexcept;
    ~RegionSlot();
  };
  Vault() = default;
  RegionSlot* Region(std::string_view region);

  std::vector<std::string> regions_;
  std::map<std::string, RegionSlot, std::less<>> slots_;
  std::unique_ptr<keyring::KeySet> global_keys_;
  std::string control_path_;
  std::mutex tokens_mu_;
  std::unique_ptr<TokenStore> tokens_;       // guarded by tokens_mu_ until set
  std::unique_ptr<LeaCaseStore> lea_cases_;  // guarded by tokens_mu_ until set
};

}  // namespace mailrelay::vault
