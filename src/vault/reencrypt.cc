// vault/reencrypt.cc — open, seal again, re-index: one batch of rows in one transaction.
#include "vault/reencrypt.h"

#include <array>
#include <chrono>
#include <optional>
#include <string>

#include "keyring/address.h"
#include "vault/key_table.h"
#include "vault/record.h"
#include "vault/record_codec.h"

namespace mailrelay::vault {
namespace {

// Column positions in the SELECT below: seq, id, then the sealed fields in kSealedFields order.
constexpr int kFirstSealed = 2;
constexpr size_t kSenderField = 2, kRecipientField = 3;  // in kSealedFields
static_assert(kSealedFields[kSenderField] == std::string_view("sender"));
static_assert(kSealedFields[kRecipientField] == std::string_view("recipient"));

// The stored (prefix) blind index of `address` under the active key; nullopt for none.
StatusOr<std::optional<std::string>> StoredIndex(const keyring::KeySet& keys,
                                                 const std::string& address) {
  if (keyring::NormalizeAddress(address).empty()) return std::optional<std::string>();
  MR_ASSIGN_OR_RETURN(std::string index, keys.BlindIndex(address));
  index.resize(kStoredBlindIndexBytes);
  return std::optional<std::string>(std::move(index));
}

void BindOptional(Stmt& s, int index, const std::optional<std::string>& v) {
  if (v) {
    s.BindBlob(index, *v);
  } else {
    s.BindNull(index);
  }
}

}  // namespace

Status SyncWithStored(Db& db, RotationState& state) {
  MR_ASSIGN_OR_RETURN(std::optional<RotationState> stored, ReadRotationState(db));
  if (!stored || stored->phase != state.phase || stored->field_to != state.field_to ||
      stored->blind_to != state.blind_to) {
    return Status::FailedPrecondition(
        "vault file " + db.path() +
        ": another `mailrelay keys rotate` of this region moved the rotation on while this one "
        "ran; run the command again to continue from where it stands");
  }
  state = *stored;
  return Status::Ok();
}

namespace {

// The body of the batch transaction.
StatusOr<BatchOutcome> ReencryptLocked(Db& db, keyring::WrappedKeyStore& key_table,
                                       keyring::KeySet& keys, RotationState& state, size_t limit) {
  // The file is the source of truth: another `keys rotate` of the region may have moved the
  // cursor (or finished this step) since our last batch.
  MR_RETURN_IF_ERROR(SyncWithStored(db, state));
  MR_ASSIGN_OR_RETURN(bool reloaded, keys.RefreshIfStale(key_table));
  (void)reloaded;
  if (keys.active_field_version() != state.field_to ||
      keys.active_blind_index_version() != state.blind_to) {
    return Status::FailedPrecondition(
        "vault file " + db.path() + ": the active key versions (field " +
        std::to_string(keys.active_field_version()) + ", blind-index " +
        std::to_string(keys.active_blind_index_version()) +
        ") are not the ones this rotation started (field " + std::to_string(state.field_to) +
        ", blind-index " + std::to_string(state.blind_to) +
        "); the key table was changed "
        "outside `mailrelay keys rotate`");
  }
  MR_ASSIGN_OR_RETURN(
      Stmt select, db.Prepare("SELECT seq, id, sender_ip, message_id, sender, recipient, subject, "
                              "server_response FROM records WHERE seq > ?1 AND key_version < ?2 "
                              "ORDER BY seq LIMIT ?3"));
  MR_ASSIGN_OR_RETURN(
      Stmt update,
      db.Prepare("UPDATE records SET key_version = ?2, sender_ip = ?3, message_id = ?4, "
                 "sender = ?5, recipient = ?6, subject = ?7, server_response = ?8, "
                 "sender_index = ?9, recipient_index = ?10 WHERE seq = ?1"));
  select.BindInt(1, state.cursor);
  select.BindInt(2, state.field_to);
  select.BindInt(3, static_cast<int64_t>(limit));
  BatchOutcome out{0, state.cursor};
  while (true) {
    MR_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    const int64_t seq = select.Int(0);
    const std::string id = select.Text(1);
    std::array<std::optional<std::string>, kSealedFields.size()> sealed;
    std::array<std::optional<std::string>, kSealedFields.size()> plain;
    for (size_t i = 0; i < kSealedFields.size(); ++i) {
      const int column = kFirstSealed + static_cast<int>(i);
      if (select.IsNull(column)) continue;  // cleared by the sweep: stays cleared
      auto opened = keys.OpenField(id, kSealedFields[i], select.Blob(column));
      if (!opened.ok()) return opened.status().WithContext("key rotation");
      MR_ASSIGN_OR_RETURN(sealed[i], keys.SealField(id, kSealedFields[i], *opened));
      plain[i] = std::move(*opened);
    }
    std::optional<std::string> sender_index, recipient_index;
    if (plain[kSenderField]) {
      MR_ASSIGN_OR_RETURN(sender_index, StoredIndex(keys, *plain[kSenderField]));
    }
    if (plain[kRecipientField]) {
      MR_ASSIGN_OR_RETURN(recipient_index, StoredIndex(keys, *plain[kRecipientField]));
    }
    update.Reset();
    update.BindInt(1, seq);
    update.BindInt(2, state.field_to);
    for (size_t i = 0; i < kSealedFields.size(); ++i) {
      BindOptional(update, 3 + static_cast<int>(i), sealed[i]);
    }
    BindOptional(update, 9, sender_index);
    BindOptional(update, 10, recipient_index);
    MR_RETURN_IF_ERROR(update.Run());
    out.cursor = seq;
    ++out.records;
  }
  state.cursor = out.cursor;
  state.records += out.records;
  if (out.records > 0) ++state.batches;
  MR_RETURN_IF_ERROR(WriteRotationState(db, state));
  return out;
}

}  // namespace

StatusOr<BatchOutcome> ReencryptBatch(Db& db, keyring::WrappedKeyStore& key_table,
                                      keyring::KeySet& keys, RotationState& state, size_t limit) {
  RotationState before = state;
  MR_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  const auto locked = std::chrono::steady_clock::now();
  auto out = ReencryptLocked(db, key_table, keys, state, limit);
  if (!out.ok()) {
    (void)db.Exec("ROLLBACK");
    state = before;
    return out.status();
  }
  if (Status s = db.Exec("COMMIT"); !s.ok()) {
    (void)db.Exec("ROLLBACK");
    state = before;
    return s;
  }
  out->locked_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - locked)
                       .count();
  return out;
}

StatusOr<uint64_t> CountOlderRecords(Db& db, uint32_t field_to, int64_t after) {
  MR_ASSIGN_OR_RETURN(
      Stmt s, db.Prepare("SELECT count(*) FROM records WHERE seq > ?1 AND key_version < ?2"));
  s.BindInt(1, after);
  s.BindInt(2, field_to);
  MR_ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? static_cast<uint64_t>(s.Int(0)) : 0;
}

}  // namespace mailrelay::vault
