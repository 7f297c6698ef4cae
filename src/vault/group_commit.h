// vault/group_commit.h — group commit: one writer thread per region takes every batch that is
// waiting, writes them all in one transaction (one fsync), then wakes each waiter with its own
// batch's status. Maintenance (the retention sweep) runs on the same thread and connection as
// a task that writes the waiting groups between its own transactions. Internal to vault/.
// Thread-safe.
//
//   GroupCommitter committer([&](std::vector<CommitBatch*>& group) { store.WriteGroup(group); });
//   CommitBatch batch{&records};
//   committer.Enqueue(&batch);
//   Status s = committer.Wait(&batch);   // durable once ok
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/status.h"
#include "vault/record_codec.h"

namespace mailrelay::vault {

// One caller's records for one region, sealed: no plaintext travels with it (the Vault keeps
// that, vault/region_keys.h). Lives on the caller's stack until Wait returns.
// Not copyable (it holds a condition variable).
struct CommitBatch {
  CommitBatch() = default;
  explicit CommitBatch(std::vector<StoredRecord>* r) : records(r) {}

  std::vector<StoredRecord>* records = nullptr;  // sealed by the caller
  Status status;                                 // set by the writer
  bool done = false;                             // guarded by the committer
  // Wakes only this batch's caller (not every waiter) when its group is written.
  std::condition_variable done_cv;
};

class GroupCommitter {
 public:
  // `write` runs on the writer thread with every batch taken at once; it sets each status.
  using WriteFn = std::function<void(std::vector<CommitBatch*>& group)>;
  // `gather`: when fewer batches are waiting than the last group held, the writer waits up to
  // this long for the rest (the callers the last group woke are sealing their next batch) before
  // it starts; zero starts at once. Latency cost: at most `gather` per Commit.
  // `after_group` (optional) runs on the writer thread after each group's callers are woken:
  // upkeep that must not delay them (vault/blind_index_table.h's merge).
  explicit GroupCommitter(WriteFn write,
                          std::chrono::microseconds gather = std::chrono::microseconds(0),
                          std::function<void()> after_group = nullptr);
  // Writes what is queued, then stops the thread. Later Enqueues fail with kUnavailable.
  ~GroupCommitter();
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  void Enqueue(CommitBatch* batch);
  // Blocks until `batch` was written or failed; returns its status.
  Status Wait(CommitBatch* batch);

  // Runs `task` on the writer thread, after the group in progress, and returns its status.
  // Batches queued meanwhile wait until the task calls WriteArrivalsFor, which it should do
  // after each of its transactions: then a commit waits for one of them at most, and the task
  // shares the writer's connection and its warm page cache (another connection's cache is
  // emptied by every commit the writer makes). kUnavailable once the committer is stopping.
  Status RunOnWriter(const std::function<Status()>& task);
  // From inside a task only: whether a batch is waiting for the task to let it in (a sweep
  // ends its transaction early then).
  bool HasWaiting() const;
  // From inside a task only: writes the batches waiting now (as one group) and, for `period`,
  // those that arrive, as they arrive: a task's pause (for other processes' writers) keeps no
  // commit waiting. A zero period writes only what waits now.
  void WriteArrivalsFor(std::chrono::microseconds period);

  struct Stats {
    uint64_t groups = 0;   // transactions
    uint64_t batches = 0;  // Commit calls served
  };
  Stats stats() const;

 private:
  struct Task {
    const std::function<Status()>* run;
    Status status;
    bool done = false;
    std::condition_variable done_cv;
  };
  void Run();
  // Takes the queue as one group (the caller holds `lock`), writes it without the lock and
  // wakes its callers.
  void WriteQueue(std::unique_lock<std::mutex>& lock);
  WriteFn write_;
  const std::chrono::microseconds gather_;
  const std::function<void()> after_group_;
  size_t last_group_ = 0;  // writer thread only
  mutable std::mutex mu_;
  std::condition_variable work_;  // the writer waits for batches
  std::deque<CommitBatch*> queue_;
  std::deque<Task*> tasks_;
  bool stopping_ = false;
  Stats stats_;
  std::thread thread_;  // last: starts after everything above exists
};

}  // namespace mailrelay::vault
