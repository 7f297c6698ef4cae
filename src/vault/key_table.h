// vault/key_table.h — keyring::WrappedKeyStore on a vault file's wrapped_keys and meta tables.
// Internal to vault/. Uses the given connection; not thread-safe (neither is the connection).
//
//   SqliteKeyStore store(db);            // "db" must outlive "store"
//   MR_RETURN_IF_ERROR(keys.Load(store, {keyring::kPurposeField}, /*create_missing=*/true));
#pragma once

#include "keyring/wrapped_key_store.h"
#include "vault/sqlite.h"

namespace mailrelay::vault {

class SqliteKeyStore : public keyring::WrappedKeyStore {
 public:
  explicit SqliteKeyStore(Db& db) : db_(db) {}

  // Reads inside the caller's transaction if there is one, else in its own read transaction.
  StatusOr<keyring::WrappedKeySnapshot> LoadWrappedKeys() override;
  StatusOr<uint64_t> KeyGeneration() override;
  // Each runs in its own BEGIN IMMEDIATE transaction and moves key_generation in it; inside a
  // write transaction the caller opened on the same connection, it joins that one instead (key
  // rotation adds versions and records its state atomically).
  Status InsertWrappedKeys(const std::vector<keyring::WrappedKey>& keys) override;
  // Also checkpoints the WAL (TRUNCATE) so no copy of the deleted row stays in the -wal file
  // (when it joined a caller's transaction, the caller checkpoints after committing).
  Status DeleteWrappedKey(const std::string& purpose, uint32_t version) override;

 private:
  StatusOr<keyring::WrappedKeySnapshot> LoadLocked();
  Status BumpGeneration();
  Db& db_;
};

}  // namespace mailrelay::vault
