// vault/audit_store.h — the audit log's local store: auditlog::LogStore on its own SQLCipher
// file, data_dir/audit.db (page key derived from the master key for scope "audit", key-check
// file beside it, WAL, synchronous=FULL — every acknowledged entry survives power loss).
// Opening also loads the audit signing key from control.db (keyring/signing_key.h).
//
//   MR_ASSIGN_OR_RETURN(AuditFiles files, OpenAuditFiles({.data_dir = "var",
//                                                         .master_key_path = "var/master.key"}));
//   files.store->Write([&](auditlog::LogWriteTxn& txn) { ... });
//
// Tables (audit_schema version 1): audit_entries (idx, entry, leaf_hash), audit_nodes (node =
// level << 48 | index, hash) for every completed perfect subtree of level >= 1 (proofs read
// O(log n) of them), audit_heads (generation, size, root, frontier, checkpoint note,
// created_at_ms), audit_settings (name, value). The code has no UPDATE or DELETE on any of
// them, and triggers make SQLite refuse both. Thread-safe: writes are serialised on one
// connection, reads use another.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "auditlog/log_store.h"
#include "common/status.h"
#include "keyring/signing_key.h"

namespace mailrelay::keyring {
class KeySet;
}

namespace mailrelay::vault {

class Db;

inline constexpr char kAuditFileName[] = "audit.db";
inline constexpr char kAuditScope[] = "audit";  // the key-set scope of audit.db's page key

class AuditStore final : public auditlog::LogStore {
 public:
  // Opens (or, with `create_if_missing`, creates) the audit store at `path` with the page key
  // of `keys` (scope kAuditScope). Errors as vault::OpenStoreFile (store_file.h).
  static StatusOr<std::unique_ptr<AuditStore>> Open(const std::string& path,
                                                    const keyring::KeySet& keys,
                                                    bool create_if_missing);
  ~AuditStore() override;

  Status Write(const std::function<Status(auditlog::LogWriteTxn&)>& body) override;
  StatusOr<auditlog::StoredHead> LatestHead() override;
  StatusOr<std::optional<auditlog::StoredHead>> HeadForSize(uint64_t size) override;
  StatusOr<std::vector<std::string>> ReadEntries(uint64_t from, size_t limit) override;
  StatusOr<std::optional<std::string>> Setting(const std::string& name) override;
  StatusOr<uint64_t> LeafCount() override;

  StatusOr<auditlog::Hash> LeafHash(uint64_t index) const override;
  StatusOr<auditlog::Hash> PerfectSubtreeHash(unsigned level, uint64_t index) const override;

  const std::string& path() const { return path_; }

 private:
  AuditStore() = default;
  std::string path_;
  std::mutex write_mu_;
  std::unique_ptr<Db> writer_;  // guarded by write_mu_
  mutable std::mutex read_mu_;
  std::unique_ptr<Db> reader_;  // guarded by read_mu_
};

struct AuditFilesOptions {
  std::string data_dir;            // audit.db and control.db live here
  std::string master_key_path;     // as VaultOptions; $MAILRELAY_MASTER_KEY overrides it
  bool create_if_missing = false;  // `keys init` / quickstart: create audit.db and the key
};

struct AuditFiles {
  std::unique_ptr<AuditStore> store;
  std::unique_ptr<keyring::SigningKey> signing_key;
};

// Loads the master key, opens control.db just long enough to load (or create) the audit
// signing key, and opens audit.db. The master key is wiped before this returns.
StatusOr<AuditFiles> OpenAuditFiles(const AuditFilesOptions& options);

}  // namespace mailrelay::vault
