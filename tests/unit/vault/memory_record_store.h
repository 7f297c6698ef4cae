// tests/unit/vault/memory_record_store.h — a RecordStore test double: sealed records in a map,
// no SQLCipher, no files. Proves the Vault needs nothing of a backend beyond the interface.
#pragma once

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "../keyring/memory_key_store.h"
#include "vault/record_store.h"

namespace mailrelay::vault::testing {

class MemoryRecordStore : public RecordStore {
 public:
  explicit MemoryRecordStore(WriteGuard& guard) : guard_(guard) {}

  std::string Describe() const override { return "memory store"; }
  Status WithKeyTable(const std::function<Status(keyring::WrappedKeyStore&)>& use) override {
    std::lock_guard lock(mu_);
    return use(key_table_);
  }

  // Writes at once, on the caller's thread: one "transaction" per batch.
  void Enqueue(CommitBatch* batch) override {
    std::lock_guard lock(mu_);
    ++stats_.groups, ++stats_.batches;
    batch->status = guard_.BeginGroup(key_table_);
    if (batch->status.ok()) batch->status = guard_.PrepareBatch(*batch);
    if (!batch->status.ok()) return;
    std::set<std::string> ids;
    for (const StoredRecord& r : *batch->records) {
      if (by_id_.count(r.id) > 0 || !ids.insert(r.id).second) {
        batch->status = Status::AlreadyExists("record " + r.id + " exists");
        return;
      }
    }
    for (const StoredRecord& r : *batch->records) {
      by_id_[r.id] = next_row_;
      rows_[next_row_++] = r;
    }
  }
  Status Wait(CommitBatch* batch) override {
    std::lock_guard lock(mu_);
    return batch->status;
  }
  GroupCommitter::Stats commit_stats() const override {
    std::lock_guard lock(mu_);
    return stats_;
  }

  StatusOr<std::vector<StoredRecord>> List(const MessageQuery& query,
                                           const std::optional<CursorPosition>& after,
                                           size_t limit) override {
    std::lock_guard lock(mu_);
    std::vector<StoredRecord> out;
    for (const auto& [row, r] : rows_) {
      if (query.route && r.route != *query.route) continue;
      if (!StatusMatches(query.status, r.smtp_code)) continue;
      if (query.since_ms && r.received_at_ms < *query.since_ms) continue;
      if (after && !(r.received_at_ms < after->received_at_ms ||
                     (r.received_at_ms == after->received_at_ms && r.id < after->id))) {
        continue;
      }
      out.push_back(r);
    }
    std::sort(out.begin(), out.end(), [](const StoredRecord& a, const StoredRecord& b) {
      return std::tie(a.received_at_ms, a.id) > std::tie(b.received_at_ms, b.id);
    });
    if (out.size() > limit) out.resize(limit);
    return out;
  }
  StatusOr<std::vector<StoredRecord>> FindByIndexPrefix(std::string_view prefix) override {
    std::lock_guard lock(mu_);
    std::vector<StoredRecord> out;
    for (const auto& [row, r] : rows_) {
      if (r.sender_index == prefix || r.recipient_index == prefix) out.push_back(r);
    }
    return out;
  }
  StatusOr<std::vector<EraseCandidate>> EraseCandidates(std::string_view prefix) override {
    std::lock_guard lock(mu_);
    std::vector<EraseCandidate> out;
    for (const auto& [row, r] : rows_) {
      if (r.sender_index != prefix && r.recipient_index != prefix) continue;
      out.push_back({row, r.id, r.sealed[2], r.sealed[3]});  // sender, recipient
    }
    return out;
  }
  StatusOr<uint64_t> DeleteRows(const std::vector<int64_t>& rows, size_t /*batch*/) override {
    std::lock_guard lock(mu_);
    uint64_t deleted = 0;
    for (int64_t row : rows) {
      auto it = rows_.find(row);
      if (it == rows_.end()) continue;
      by_id_.erase(it->second.id);
      rows_.erase(it);
      ++deleted;
    }
    return deleted;
  }
  StatusOr<bool> ReclaimSpace() override {
    ++reclaims;
    return true;
  }

  // Deletes expired records, clears expired fields (a cleared sender or recipient loses its
  // index). `limits` is not applied: capping is the SQLCipher backend's own test's subject.
  StatusOr<SweepCounts> Sweep(int64_t now_ms, bool dry_run, const CapLimits* /*limits*/,
                              const SweepProgress& /*progress*/) override {
    std::lock_guard lock(mu_);
    SweepCounts counts;
    for (std::string_view f : kSealedFields) counts.fields_cleared[std::string(f)] = 0;
    for (auto it = rows_.begin(); it != rows_.end();) {
      StoredRecord& r = it->second;
      if (r.expires_at_ms <= now_ms) {
        ++counts.records_deleted;
        if (!dry_run) {
          by_id_.erase(r.id);
          it = rows_.erase(it);
          continue;
        }
      } else {
        for (size_t i = 0; i < kSealedFields.size(); ++i) {
          if (!r.sealed[i] || !r.field_expires_at_ms[i] || *r.field_expires_at_ms[i] > now_ms) {
            continue;
          }
          ++counts.fields_cleared[std::string(kSealedFields[i])];
          if (dry_run) continue;
          r.sealed[i].reset();
          if (i == 2) r.sender_index.reset();
          if (i == 3) r.recipient_index.reset();
        }
      }
      ++it;
    }
    counts.space_freed = true;
    return counts;
  }
  Status Verify() override { return Status::Ok(); }

  size_t size() const {
    std::lock_guard lock(mu_);
    return rows_.size();
  }
  int reclaims = 0;

 private:
  static bool StatusMatches(MessageStatus s, int code) {
    switch (s) {
      case MessageStatus::kDelivered:
        return code >= 200 && code <= 299;
      case MessageStatus::kDelayed:
        return code >= 400 && code <= 499;
      case MessageStatus::kRejected:
        return code >= 500 && code <= 599;
      case MessageStatus::kAny:
        return true;
    }
    return true;
  }

  WriteGuard& guard_;
  mutable std::mutex mu_;
  keyring::MemoryKeyStore key_table_;
  std::map<int64_t, StoredRecord> rows_;
  std::map<std::string, int64_t> by_id_;
  int64_t next_row_ = 1;
  GroupCommitter::Stats stats_;
};

}  // namespace mailrelay::vault::testing
