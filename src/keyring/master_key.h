// keyring/master_key.h — the 32-byte master key: loaded from a 0600 file or from the
// MAILRELAY_MASTER_KEY environment variable (64 hex digits), created by `mailrelay keys init`.
//
//   MR_ASSIGN_OR_RETURN(MasterKey master, MasterKey::Load("/var/lib/mailrelay/master.key"));
//   MR_ASSIGN_OR_RETURN(auto eu, KeySet::Derive(master, "eu"));
//
// The bytes stay inside keyring/: a MasterKey only derives KeySets (key_set.h).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "keyring/secret.h"

namespace mailrelay::keyring {

inline constexpr size_t kMasterKeyBytes = 32;
inline constexpr char kMasterKeyEnv[] = "MAILRELAY_MASTER_KEY";

class MasterKey {
 public:
  // Returns the key from $MAILRELAY_MASTER_KEY when it is set and non-empty, else from `path`.
  // Errors: kNotFound (file missing: run `mailrelay keys init`), kFailedPrecondition (file
  // readable by group/others, or not a regular file), kInvalidArgument (not 64 hex digits).
  static StatusOr<MasterKey> Load(const std::string& path);
  // Returns the key from the file only, ignoring the environment.
  static StatusOr<MasterKey> LoadFile(const std::string& path);
  // Returns the key parsed from 64 hex digits (surrounding whitespace ignored); `source` names
  // where the text came from in error messages. The text itself is never echoed.
  static StatusOr<MasterKey> FromHex(std::string_view hex, std::string_view source);

  MasterKey(MasterKey&&) = default;
  MasterKey& operator=(MasterKey&&) = default;

  // Returns true when both are the same key; constant time (master-key rotation refuses a new
  // key equal to the old one).
  bool Equals(const MasterKey& other) const { return bytes_.Equals(other.bytes_); }

 private:
  friend class KeySet;
  explicit MasterKey(SecretBytes bytes) : bytes_(std::move(bytes)) {}
  const SecretBytes& bytes() const { return bytes_; }
  SecretBytes bytes_;
};

// Creates `path` holding 32 random bytes as 64 hex digits and a newline, with mode 0600,
// refusing to overwrite an existing file (kAlreadyExists) — that key may protect live vaults.
// The file is fsynced before this returns.
Status CreateMasterKeyFile(const std::string& path);

}  // namespace mailrelay::keyring
