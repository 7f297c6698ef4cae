// vault/lea_case_store.cc — see lea_case_store.h.
#include "vault/lea_case_store.h"

#include "keyring/key_set.h"
#include "keyring/wrapped_key_store.h"
#include "vault/key_table.h"
#include "vault/record_codec.h"
#include "vault/sqlite.h"
#include "vault/store_file.h"

namespace mailrelay::vault {
namespace {

// The name bound into each sealed body's associated data (with the case id and the scope).
constexpr char kBodyField[] = "lea_case";

}  // namespace

LeaCaseStore::LeaCaseStore(std::unique_ptr<Db> db, keyring::KeySet& keys)
    : db_(std::move(db)), keys_(keys) {}

LeaCaseStore::~LeaCaseStore() = default;

StatusOr<std::unique_ptr<LeaCaseStore>> LeaCaseStore::Open(const std::string& control_path,
                                                           keyring::KeySet& global_keys) {
  MR_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, OpenConnection(control_path, global_keys));
  {
    SqliteKeyStore store(*db);
    Status s = global_keys.Load(store, {keyring::kPurposeAuditPseudonym, keyring::kPurposeField},
                                /*create_missing=*/true);
    if (!s.ok()) return s.WithContext("vault file " + control_path);
  }
  return std::unique_ptr<LeaCaseStore>(new LeaCaseStore(std::move(db), global_keys));
}

Status LeaCaseStore::Refresh() {
  SqliteKeyStore store(*db_);
  return keys_.RefreshIfStale(store).status();
}

Status LeaCaseStore::Insert(const std::string& id, int64_t opened_at_ms, const std::string& body,
                            const std::function<Status()>& before_commit) {
  if (!IsValidRecordId(id)) return Status::InvalidArgument("case id must be [A-Za-z0-9_-]{1,64}");
  std::lock_guard lock(mu_);
  MR_RETURN_IF_ERROR(Refresh());
  MR_ASSIGN_OR_RETURN(std::string sealed, keys_.SealField(id, kBodyField, body));
  return InWriteTransaction(*db_, [&]() -> Status {
    MR_ASSIGN_OR_RETURN(Stmt exists, db_->Prepare("SELECT 1 FROM lea_cases WHERE id = ?1"));
    exists.BindText(1, id);
    MR_ASSIGN_OR_RETURN(bool found, exists.Step());
    if (found) return Status::AlreadyExists("request " + id + " already exists");
    MR_ASSIGN_OR_RETURN(Stmt ins, db_->Prepare("INSERT INTO lea_cases (id, opened_at_ms, body) "
                                               "VALUES (?1, ?2, ?3)"));
    ins.BindText(1, id);
    ins.BindInt(2, opened_at_ms);
    ins.BindBlob(3, sealed);
    MR_RETURN_IF_ERROR(ins.Run());
    return before_commit();
  });
}

StatusOr<std::string> LeaCaseStore::Read(const std::string& id) {
  MR_ASSIGN_OR_RETURN(Stmt s, db_->Prepare("SELECT body FROM lea_cases WHERE id = ?1"));
  s.BindText(1, id);
  MR_ASSIGN_OR_RETURN(bool found, s.Step());
  if (!found) return Status::NotFound("no law-enforcement request " + id);
  auto body = keys_.OpenField(id, kBodyField, s.Blob(0));
  if (!body.ok()) return body.status().WithContext("request " + id + " in " + db_->path());
  return body;
}

StatusOr<std::string> LeaCaseStore::Get(const std::string& id) {
  if (!IsValidRecordId(id)) return Status::NotFound("no law-enforcement request " + id);
  std::lock_guard lock(mu_);
  MR_RETURN_IF_ERROR(Refresh());
  return Read(id);
}

StatusOr<std::vector<std::string>> LeaCaseStore::List() {
  std::lock_guard lock(mu_);
  MR_RETURN_IF_ERROR(Refresh());
  MR_ASSIGN_OR_RETURN(Stmt s,
                      db_->Prepare("SELECT id, body FROM lea_cases ORDER BY opened_at_ms, id"));
  std::vector<std::string> out;
  while (true) {
    MR_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    const std::string id = s.Text(0);
    auto body = keys_.OpenField(id, kBodyField, s.Blob(1));
    if (!body.ok()) return body.status().WithContext("request " + id + " in " + db_->path());
    out.push_back(std::move(*body));
  }
  return out;
}

Status LeaCaseStore::Update(
    const std::string& id, const std::function<StatusOr<std::string>(const std::string&)>& change) {
  if (!IsValidRecordId(id)) return Status::NotFound("no law-enforcement request " + id);
  std::lock_guard lock(mu_);
  MR_RETURN_IF_ERROR(Refresh());
  return InWriteTransaction(*db_, [&]() -> Status {
    // Read inside the write transaction: another process cannot move the case meanwhile.
    MR_ASSIGN_OR_RETURN(std::string current, Read(id));
    MR_ASSIGN_OR_RETURN(std::string next, change(current));
    MR_ASSIGN_OR_RETURN(std::string sealed, keys_.SealField(id, kBodyField, next));
    MR_ASSIGN_OR_RETURN(Stmt upd, db_->Prepare("UPDATE lea_cases SET body = ?2 WHERE id = ?1"));
    upd.BindText(1, id);
    upd.BindBlob(2, sealed);
    return upd.Run();
  });
}

}  // namespace mailrelay::vault
