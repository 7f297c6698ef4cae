// vault/schema.h — versioned schema migrations for the vault's SQLCipher files.
// Internal to vault/. Migrations only ever append: version N's SQL never changes once shipped.
// SQLite 3.15 has no ALTER TABLE … RENAME COLUMN: a migration that reshapes a table rebuilds it.
#pragma once

#include <string>

#include "common/status.h"
#include "vault/sqlite.h"

namespace mailrelay::vault {

enum class FileKind {
  kControl,  // control.db: global keys (audit pseudonym); from v2 API tokens and LEA cases
  kRegion,   // vault-<region>.db: that region's keys and records
};

// Returns the newest schema version this build knows for `kind`.
int LatestSchemaVersion(FileKind kind);

// Brings `db` to LatestSchemaVersion inside one BEGIN IMMEDIATE transaction (so concurrent
// openers migrate once). A fresh file also gets its meta rows (scope, created_at_ms,
// key_generation 0). kFailedPrecondition if the file is newer than this build.
Status Migrate(Db& db, FileKind kind, const std::string& scope);

}  // namespace mailrelay::vault
