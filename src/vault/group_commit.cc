// vault/group_commit.cc — the writer thread and its queue.
#include "vault/group_commit.h"

namespace mailrelay::vault {

GroupCommitter::GroupCommitter(WriteFn write, std::chrono::microseconds gather,
                               std::function<void()> after_group)
    : write_(std::move(write)),
      gather_(gather),
      after_group_(std::move(after_group)),
      thread_([this] { Run(); }) {}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_.notify_all();
  thread_.join();
}

void GroupCommitter::Enqueue(CommitBatch* batch) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      batch->status = Status::Unavailable("vault is closing; the records were not written");
      batch->done = true;
      return;
    }
    queue_.push_back(batch);
    // The writer waits either for a first batch or, gathering, for last_group_ of them: wake
    // it only when one of those becomes true, not for every batch.
    if (gather_.count() > 0 && queue_.size() != 1 && queue_.size() < last_group_) return;
  }
  work_.notify_one();
}

Status GroupCommitter::Wait(CommitBatch* batch) {
  std::unique_lock lock(mu_);
  batch->done_cv.wait(lock, [batch] { return batch->done; });
  return batch->status;
}

GroupCommitter::Stats GroupCommitter::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

Status GroupCommitter::RunOnWriter(const std::function<Status()>& task) {
  Task t;
  t.run = &task;
  std::unique_lock lock(mu_);
  if (stopping_) return Status::Unavailable("vault is closing; the maintenance did not run");
  tasks_.push_back(&t);
  work_.notify_one();
  t.done_cv.wait(lock, [&t] { return t.done; });
  return t.status;
}

bool GroupCommitter::HasWaiting() const {
  std::lock_guard lock(mu_);
  return !queue_.empty();
}

void GroupCommitter::WriteArrivalsFor(std::chrono::microseconds period) {
  const auto until = std::chrono::steady_clock::now() + period;
  std::unique_lock lock(mu_);
  while (true) {
    if (!queue_.empty()) WriteQueue(lock);
    if (std::chrono::steady_clock::now() >= until) return;
    work_.wait_until(lock, until, [this] { return !queue_.empty(); });
  }
}

void GroupCommitter::WriteQueue(std::unique_lock<std::mutex>& lock) {
  std::vector<CommitBatch*> group(queue_.begin(), queue_.end());
  queue_.clear();
  last_group_ = group.size();
  lock.unlock();
  write_(group);
  lock.lock();
  for (CommitBatch* b : group) {
    b->done = true;
    b->done_cv.notify_one();  // under the lock: the batch may be gone once its caller wakes
  }
  stats_.groups += 1;
  stats_.batches += group.size();
  if (after_group_) {
    lock.unlock();
    after_group_();
    lock.lock();
  }
}

void GroupCommitter::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    work_.wait(lock, [this] { return stopping_ || !queue_.empty() || !tasks_.empty(); });
    if (!queue_.empty()) {
      if (gather_.count() > 0 && queue_.size() < last_group_) {
        work_.wait_for(lock, gather_, [this] { return stopping_ || queue_.size() >= last_group_; });
      }
      WriteQueue(lock);
      continue;
    }
    if (!tasks_.empty()) {
      Task* t = tasks_.front();
      tasks_.pop_front();
      lock.unlock();
      Status s = (*t->run)();
      lock.lock();
      t->status = std::move(s);
      t->done = true;
      t->done_cv.notify_one();
      continue;
    }
    return;  // stopping, and everything queued was written
  }
}

}  // namespace mailrelay::vault
