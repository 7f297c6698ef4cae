// vault/lea_case_store.h — law-enforcement request case files in control.db: one sealed
// document per request (the compliance layer owns its JSON), changed only under a write lock.
//
//   MR_ASSIGN_OR_RETURN(LeaCaseStore* cases, vault.LeaCases());
//   MR_RETURN_IF_ERROR(cases->Insert(id, now_ms, body, [&] { return audit_append(); }));
//   MR_RETURN_IF_ERROR(cases->Update(id, [&](const std::string& old) { return next(old); }));
//
// Bodies are sealed with control.db's field key (XChaCha20-Poly1305, AD binds the request id),
// because a request names its data subject. Thread-safe; several processes share control.db.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace mailrelay::keyring {
class KeySet;
}

namespace mailrelay::vault {

class Db;

class LeaCaseStore {
 public:
  // Opens its own connection to control.db (validated by Vault::Open), loads — creating if
  // missing — control.db's field key, creates the table if missing. `global_keys` must outlive
  // the store.
  static StatusOr<std::unique_ptr<LeaCaseStore>> Open(const std::string& control_path,
                                                      keyring::KeySet& global_keys);
  ~LeaCaseStore();
  LeaCaseStore(const LeaCaseStore&) = delete;
  LeaCaseStore& operator=(const LeaCaseStore&) = delete;

  // Stores a new case `id` ([A-Za-z0-9_-]{1,64}). `before_commit` runs inside the write
  // transaction, after the row is written: its failure rolls the insert back (callers append
  // the audit entry there, so no case exists without its entry). kAlreadyExists for a used id.
  Status Insert(const std::string& id, int64_t opened_at_ms, const std::string& body,
                const std::function<Status()>& before_commit);
  // Returns the case's body; kNotFound if there is none.
  StatusOr<std::string> Get(const std::string& id);
  // Returns every case's body, oldest first.
  StatusOr<std::vector<std::string>> List();
  // Replaces case `id`'s body with what `change` returns for the current one, in one write
  // transaction (so two processes never both move a case from the same state). An error from
  // `change` changes nothing and is returned as it is. kNotFound if there is no such case.
  Status Update(const std::string& id,
                const std::function<StatusOr<std::string>(const std::string&)>& change);

 private:
  LeaCaseStore(std::unique_ptr<Db> db, keyring::KeySet& keys);
  StatusOr<std::string> Read(const std::string& id);  // requires mu_
  Status Refresh();                                   // requires mu_

  std::unique_ptr<Db> db_;  // guarded by mu_
  keyring::KeySet& keys_;
  std::mutex mu_;
};

}  // namespace mailrelay::vault
