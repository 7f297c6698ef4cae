// vault/token_store.h — API bearer tokens in control.db: stored only as a keyed hash, looked up
// by id, compared in constant time. docs/api.md describes the format and the life cycle.
//
//   MR_ASSIGN_OR_RETURN(TokenStore* tokens, vault.Tokens());
//   MR_ASSIGN_OR_RETURN(IssuedToken t, tokens->Create("admin", "ops laptop"));
//   print(t.token);  WipeString(t.token);                 // shown once, never stored
//   MR_ASSIGN_OR_RETURN(TokenInfo who, tokens->Authenticate(bearer));   // per request
//
// Thread-safe (one connection behind a mutex). Several processes share control.db: every
// Authenticate reads the row, so a revoke by another process counts from the next request.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace mailrelay::keyring {
class KeySet;
}

namespace mailrelay::vault {

class Db;

// "mr_<id>_<64 lower-case hex digits>": 256 random bits after the id.
inline constexpr char kTokenPrefix[] = "mr_";
inline constexpr size_t kTokenSecretBytes = 32;
inline constexpr size_t kTokenSecretHexDigits = 2 * kTokenSecretBytes;

struct ParsedToken {
  uint64_t id = 0;
  std::string_view secret;  // the hex digits; a view into the caller's token
};

// Returns the parts of a well-formed token, or nullopt (no detail: the text may be a secret).
std::optional<ParsedToken> ParseToken(std::string_view token);

// Overwrites the bytes of `s` (sodium_memzero) and empties it.
void WipeString(std::string& s);

struct TokenInfo {
  int64_t id = 0;
  std::string role;  // "admin" | "compliance" | "auditor" (api/roles.h checks the names)
  std::string name;
  int64_t created_at_ms = 0;
  std::optional<int64_t> revoked_at_ms;
  std::optional<int64_t> expires_at_ms;  // from then on it no longer authenticates
};

struct IssuedToken {
  TokenInfo info;
  std::string token;  // the only copy of the secret: show it once, then WipeString it
};

class TokenStore {
 public:
  // Opens its own connection to control.db at `control_path` (already validated by Vault::Open),
  // loads — creating if missing — the api-token key into `global_keys`, and creates the tokens
  // table if missing. `global_keys` must outlive the store.
  static StatusOr<std::unique_ptr<TokenStore>> Open(const std::string& control_path,
                                                    keyring::KeySet& global_keys);
  ~TokenStore();
  TokenStore(const TokenStore&) = delete;
  TokenStore& operator=(const TokenStore&) = delete;

  // Creates a token, valid until `expires_at_ms` when given; kInvalidArgument for an empty role,
  // a name that is empty, longer than 100 bytes or holds control characters, or an expiry that
  // is not in the future.
  StatusOr<IssuedToken> Create(std::string_view role, std::string_view name,
                               std::optional<int64_t> expires_at_ms = std::nullopt);
  // Returns every token (revoked ones too), oldest first. Never a secret.
  StatusOr<std::vector<TokenInfo>> List();
  // Revokes token `id` (kept, with revoked_at_ms, for the record). kNotFound if there is none;
  // revoking a revoked token is kFailedPrecondition.
  Status Revoke(int64_t id);
  // Returns the token's row if `token` is well formed, exists, matches, is not revoked and has
  // not expired by `now_ms`; kUnauthenticated otherwise, with a message safe to show
  // ("malformed", "unknown or wrong secret", "revoked", "expired"). Reads control.db every time.
  StatusOr<TokenInfo> Authenticate(std::string_view token);
  StatusOr<TokenInfo> AuthenticateAt(std::string_view token, int64_t now_ms);

 private:
  TokenStore(std::unique_ptr<Db> db, keyring::KeySet& keys);
  std::unique_ptr<Db> db_;  // guarded by mu_
  keyring::KeySet& keys_;
  std::mutex mu_;
};

}  // namespace mailrelay::vault
