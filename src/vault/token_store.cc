// vault/token_store.cc — API tokens in control.db.
#include "vault/token_store.h"

#include <sodium.h>

#include <chrono>

#include "keyring/key_set.h"
#include "keyring/wrapped_key_store.h"
#include "vault/key_table.h"
#include "vault/sqlite.h"
#include "vault/store_file.h"

namespace mailrelay::vault {
namespace {

constexpr size_t kMaxNameBytes = 100;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

TokenInfo RowInfo(const Stmt& s, int first) {
  TokenInfo t;
  t.id = s.Int(first);
  t.role = s.Text(first + 1);
  t.name = s.Text(first + 2);
  t.created_at_ms = s.Int(first + 3);
  if (!s.IsNull(first + 4)) t.revoked_at_ms = s.Int(first + 4);
  if (!s.IsNull(first + 5)) t.expires_at_ms = s.Int(first + 5);
  return t;
}

}  // namespace

std::optional<ParsedToken> ParseToken(std::string_view token) {
  constexpr size_t kPrefix = sizeof kTokenPrefix - 1;
  if (token.size() < kPrefix + 1 + 1 + kTokenSecretHexDigits) return std::nullopt;
  if (token.substr(0, kPrefix) != kTokenPrefix) return std::nullopt;
  std::string_view rest = token.substr(kPrefix);
  size_t sep = rest.find('_');
  // 1..18 digits, no leading zero: fits int64 and has exactly one spelling.
  if (sep == std::string_view::npos || sep == 0 || sep > 18 || rest[0] == '0') return std::nullopt;
  uint64_t id = 0;
  for (size_t i = 0; i < sep; ++i) {
    if (rest[i] < '0' || rest[i] > '9') return std::nullopt;
    id = id * 10 + static_cast<uint64_t>(rest[i] - '0');
  }
  std::string_view secret = rest.substr(sep + 1);
  if (secret.size() != kTokenSecretHexDigits) return std::nullopt;
  for (char c : secret) {
    if (!IsLowerHex(c)) return std::nullopt;
  }
  return ParsedToken{id, secret};
}

void WipeString(std::string& s) {
  if (!s.empty()) sodium_memzero(s.data(), s.size());
  s.clear();
}

TokenStore::TokenStore(std::unique_ptr<Db> db, keyring::KeySet& keys)
    : db_(std::move(db)), keys_(keys) {}

TokenStore::~TokenStore() = default;

StatusOr<std::unique_ptr<TokenStore>> TokenStore::Open(const std::string& control_path,
                                                       keyring::KeySet& global_keys) {
  MR_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, OpenConnection(control_path, global_keys));
  {
    SqliteKeyStore store(*db);
    Status s = global_keys.Load(store, {keyring::kPurposeAuditPseudonym, keyring::kPurposeApiToken},
                                /*create_missing=*/true);
    if (!s.ok()) return s.WithContext("vault file " + control_path);
  }
  return std::unique_ptr<TokenStore>(new TokenStore(std::move(db), global_keys));
}

StatusOr<IssuedToken> TokenStore::Create(std::string_view role, std::string_view name,
                                         std::optional<int64_t> expires_at_ms) {
  if (role.empty()) return Status::InvalidArgument("token role is empty");
  const int64_t now = NowMs();
  if (expires_at_ms && *expires_at_ms <= now) {
    return Status::InvalidArgument("token expiry must be in the future");
  }
  if (name.empty() || name.size() > kMaxNameBytes) {
    return Status::InvalidArgument("token name must be 1.." + std::to_string(kMaxNameBytes) +
                                   " bytes");
  }
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Status::InvalidArgument("token name must not hold control characters");
    }
  }
  unsigned char raw[kTokenSecretBytes];
  randombytes_buf(raw, sizeof raw);
  std::string secret(kTokenSecretHexDigits, '\0');
  sodium_bin2hex(secret.data(), secret.size() + 1, raw, sizeof raw);  // writes the NUL at [size]
  sodium_memzero(raw, sizeof raw);

  IssuedToken out;
  out.info.role = std::string(role);
  out.info.name = std::string(name);
  out.info.created_at_ms = now;
  out.info.expires_at_ms = expires_at_ms;
  std::lock_guard lock(mu_);
  Status s = InWriteTransaction(*db_, [&]() -> Status {
    MR_ASSIGN_OR_RETURN(Stmt ins,
                        db_->Prepare("INSERT INTO tokens (hash, role, name, created_at_ms, "
                                     "expires_at_ms) VALUES (x'', ?1, ?2, ?3, ?4)"));
    ins.BindText(1, role);
    ins.BindText(2, name);
    ins.BindInt(3, out.info.created_at_ms);
    if (expires_at_ms) ins.BindInt(4, *expires_at_ms);
    MR_RETURN_IF_ERROR(ins.Run());
    out.info.id = sqlite3_last_insert_rowid(db_->handle());
    MR_ASSIGN_OR_RETURN(std::string hash,
                        keys_.ApiTokenHash(static_cast<uint64_t>(out.info.id), secret));
    MR_ASSIGN_OR_RETURN(Stmt upd, db_->Prepare("UPDATE tokens SET hash = ?1 WHERE id = ?2"));
    upd.BindBlob(1, hash);
    upd.BindInt(2, out.info.id);
    return upd.Run();
  });
  if (!s.ok()) {
    WipeString(secret);
    return s;
  }
  out.token = kTokenPrefix + std::to_string(out.info.id) + "_" + secret;
  WipeString(secret);
  return out;
}

StatusOr<std::vector<TokenInfo>> TokenStore::List() {
  std::lock_guard lock(mu_);
  MR_ASSIGN_OR_RETURN(Stmt s, db_->Prepare("SELECT id, role, name, created_at_ms, revoked_at_ms, "
                                           "expires_at_ms FROM tokens ORDER BY id"));
  std::vector<TokenInfo> out;
  while (true) {
    MR_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(RowInfo(s, 0));
  }
  return out;
}

Status TokenStore::Revoke(int64_t id) {
  std::lock_guard lock(mu_);
  return InWriteTransaction(*db_, [&]() -> Status {
    MR_ASSIGN_OR_RETURN(Stmt q, db_->Prepare("SELECT revoked_at_ms FROM tokens WHERE id = ?1"));
    q.BindInt(1, id);
    MR_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return Status::NotFound("no token with id " + std::to_string(id));
    if (!q.IsNull(0)) {
      return Status::FailedPrecondition("token " + std::to_string(id) + " is already revoked");
    }
    MR_ASSIGN_OR_RETURN(Stmt upd,
                        db_->Prepare("UPDATE tokens SET revoked_at_ms = ?1 WHERE id = ?2"));
    upd.BindInt(1, NowMs());
    upd.BindInt(2, id);
    return upd.Run();
  });
}

StatusOr<TokenInfo> TokenStore::Authenticate(std::string_view token) {
  return AuthenticateAt(token, NowMs());
}

StatusOr<TokenInfo> TokenStore::AuthenticateAt(std::string_view token, int64_t now_ms) {
  std::optional<ParsedToken> parsed = ParseToken(token);
  if (!parsed) return Status::Unauthenticated("malformed token");
  // The hash is computed before the lookup, so an unknown id costs the same as a wrong secret.
  MR_ASSIGN_OR_RETURN(std::string presented, keys_.ApiTokenHash(parsed->id, parsed->secret));
  std::string stored;
  TokenInfo info;
  bool found = false;
  {
    std::lock_guard lock(mu_);
    MR_ASSIGN_OR_RETURN(Stmt s, db_->Prepare("SELECT hash, id, role, name, created_at_ms, "
                                             "revoked_at_ms, expires_at_ms FROM tokens "
                                             "WHERE id = ?1"));
    s.BindInt(1, static_cast<int64_t>(parsed->id));
    MR_ASSIGN_OR_RETURN(found, s.Step());
    if (found) {
      stored = s.Blob(0);
      info = RowInfo(s, 1);
    }
  }
  if (stored.size() != presented.size()) stored.assign(presented.size(), '\0');
  bool match = sodium_memcmp(stored.data(), presented.data(), presented.size()) == 0;
  WipeString(presented);
  WipeString(stored);
  if (!found || !match) return Status::Unauthenticated("unknown token or wrong secret");
  if (info.revoked_at_ms) return Status::Unauthenticated("token revoked");
  if (info.expires_at_ms && now_ms >= *info.expires_at_ms) {
    return Status::Unauthenticated("token expired");
  }
  return info;
}

}  // namespace mailrelay::vault
