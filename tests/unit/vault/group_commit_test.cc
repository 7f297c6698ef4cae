#include "vault/group_commit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <future>
#include <thread>

namespace mailrelay::vault {
namespace {

TEST(GroupCommitTest, EachWaiterGetsItsOwnBatchStatus) {
  GroupCommitter c([](std::vector<CommitBatch*>& group) {
    for (CommitBatch* b : group) {
      b->status = b->records->empty() ? Status::InvalidArgument("empty") : Status::Ok();
    }
  });
  std::vector<StoredRecord> one(1), none;
  CommitBatch good(&one), bad(&none);
  c.Enqueue(&good);
  c.Enqueue(&bad);
  EXPECT_TRUE(c.Wait(&good).ok());
  EXPECT_EQ(c.Wait(&bad).code(), StatusCode::kInvalidArgument);
}

TEST(GroupCommitTest, BatchesThatArriveDuringAWriteShareTheNextOne) {
  std::promise<void> first_started, release_first;
  std::shared_future<void> released = release_first.get_future().share();
  std::vector<size_t> sizes;
  GroupCommitter c([&](std::vector<CommitBatch*>& group) {
    sizes.push_back(group.size());
    if (sizes.size() == 1) {
      first_started.set_value();
      released.wait();
    }
  });
  std::vector<StoredRecord> records(1);
  std::deque<CommitBatch> batches;
  for (int i = 0; i < 11; ++i) batches.emplace_back(&records);
  c.Enqueue(&batches[0]);
  first_started.get_future().wait();  // the first write is under way
  for (int i = 1; i <= 10; ++i) c.Enqueue(&batches[i]);
  release_first.set_value();
  for (auto& b : batches) EXPECT_TRUE(c.Wait(&b).ok());
  EXPECT_EQ(c.stats().batches, 11u);
  EXPECT_EQ(c.stats().groups, 2u);
  EXPECT_EQ(sizes, (std::vector<size_t>{1, 10}));
}

TEST(GroupCommitTest, DestructorWritesWhatIsQueued) {
  std::atomic<int> written{0};
  std::vector<StoredRecord> records(1);
  CommitBatch a(&records), b(&records);
  {
    GroupCommitter c([&](std::vector<CommitBatch*>& group) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      written += static_cast<int>(group.size());
    });
    c.Enqueue(&a);
    c.Enqueue(&b);
  }
  EXPECT_EQ(written.load(), 2);
  EXPECT_TRUE(a.done && b.done);
}

TEST(GroupCommitTest, GatherWindowWaitsForAsManyBatchesAsTheLastGroupHad) {
  std::promise<void> first_started, release_first;
  std::shared_future<void> released = release_first.get_future().share();
  std::vector<size_t> sizes;
  GroupCommitter c(
      [&](std::vector<CommitBatch*>& group) {
        sizes.push_back(group.size());
        if (sizes.size() == 1) {
          first_started.set_value();
          released.wait();
        }
      },
      std::chrono::seconds(10));
  std::vector<StoredRecord> records(1);
  std::deque<CommitBatch> batches;
  for (int i = 0; i < 7; ++i) batches.emplace_back(&records);
  c.Enqueue(&batches[0]);
  first_started.get_future().wait();
  for (int i = 1; i <= 3; ++i) c.Enqueue(&batches[i]);
  release_first.set_value();
  for (int i = 0; i <= 3; ++i) EXPECT_TRUE(c.Wait(&batches[i]).ok());
  // The last group had 3: the writer waits (here up to 10 s) until 3 are queued, not 1.
  for (int i = 4; i <= 6; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    c.Enqueue(&batches[i]);
  }
  for (int i = 4; i <= 6; ++i) EXPECT_TRUE(c.Wait(&batches[i]).ok());
  EXPECT_EQ(sizes, (std::vector<size_t>{1, 3, 3}));
}

TEST(GroupCommitTest, GatherWindowIsOnlyABoundOnTheWait) {
  std::vector<size_t> sizes;
  GroupCommitter c([&](std::vector<CommitBatch*>& group) { sizes.push_back(group.size()); },
                   std::chrono::milliseconds(5));
  std::vector<StoredRecord> records(1);
  std::deque<CommitBatch> batches;
  for (int i = 0; i < 4; ++i) batches.emplace_back(&records);
  c.Enqueue(&batches[0]);
  c.Enqueue(&batches[1]);
  EXPECT_TRUE(c.Wait(&batches[0]).ok());
  EXPECT_TRUE(c.Wait(&batches[1]).ok());
  c.Enqueue(&batches[2]);  // fewer than the last group: written after at most ~5 ms anyway
  EXPECT_TRUE(c.Wait(&batches[2]).ok());
  EXPECT_EQ(c.stats().batches, 3u);
}

// A maintenance task runs on the writer thread; a commit queued while it runs is written when
// the task calls WriteArrivalsFor (between its transactions), not after the whole task.
TEST(GroupCommitTest, ATaskRunsOnTheWriterAndWritesWaitingBatchesBetweenItsSteps) {
  std::thread::id writer_thread;
  std::atomic<int> written{0};
  GroupCommitter c([&](std::vector<CommitBatch*>& group) {
    writer_thread = std::this_thread::get_id();
    written += static_cast<int>(group.size());
  });
  std::vector<StoredRecord> one(1);
  CommitBatch warm(&one);
  c.Enqueue(&warm);
  ASSERT_TRUE(c.Wait(&warm).ok());

  CommitBatch during(&one);
  std::thread committer;
  std::promise<void> queued;  // outlives the committer's set_value
  int written_before_writing = -1, written_after = -1;
  Status ran = c.RunOnWriter([&] {
    EXPECT_EQ(std::this_thread::get_id(), writer_thread);
    committer = std::thread([&] {
      c.Enqueue(&during);
      queued.set_value();
      EXPECT_TRUE(c.Wait(&during).ok());
    });
    queued.get_future().wait();  // queued while the task holds the writer
    written_before_writing = written.load();
    c.WriteArrivalsFor(std::chrono::microseconds(0));
    written_after = written.load();
    return Status::DataLoss("task result");
  });
  committer.join();
  EXPECT_EQ(ran.code(), StatusCode::kDataLoss);  // the task's own status comes back
  EXPECT_EQ(written_before_writing, 1);
  EXPECT_EQ(written_after, 2);
}

TEST(GroupCommitTest, ATaskSeesAWaitingBatch) {
  GroupCommitter c([](std::vector<CommitBatch*>&) {});
  std::vector<StoredRecord> one(1);
  CommitBatch during(&one);
  std::thread committer;
  std::promise<void> queued;  // outlives the committer's set_value
  bool waiting_before = true, waiting_queued = false, waiting_after = true;
  ASSERT_TRUE(c.RunOnWriter([&] {
                 waiting_before = c.HasWaiting();
                 committer = std::thread([&] {
                   c.Enqueue(&during);
                   queued.set_value();
                   EXPECT_TRUE(c.Wait(&during).ok());
                 });
                 queued.get_future().wait();
                 waiting_queued = c.HasWaiting();
                 c.WriteArrivalsFor(std::chrono::microseconds(0));
                 waiting_after = c.HasWaiting();
                 return Status::Ok();
               }).ok());
  committer.join();
  EXPECT_FALSE(waiting_before);
  EXPECT_TRUE(waiting_queued);
  EXPECT_FALSE(waiting_after);
}

// A task's pause writes a batch that arrives during it at once: its caller wakes long before
// the pause ends.
TEST(GroupCommitTest, APauseWritesBatchesAsTheyArrive) {
  using Clock = std::chrono::steady_clock;
  GroupCommitter c([](std::vector<CommitBatch*>&) {});
  std::vector<StoredRecord> one(1);
  CommitBatch during(&one);
  std::thread committer;
  Clock::time_point woke{}, pause_ended{};
  ASSERT_TRUE(c.RunOnWriter([&] {
                 committer = std::thread([&] {
                   c.Enqueue(&during);
                   EXPECT_TRUE(c.Wait(&during).ok());
                   woke = Clock::now();
                 });
                 c.WriteArrivalsFor(std::chrono::milliseconds(500));
                 pause_ended = Clock::now();
                 return Status::Ok();
               }).ok());
  committer.join();
  EXPECT_LT(woke + std::chrono::milliseconds(100), pause_ended);
}

}  // namespace
}  // namespace mailrelay::vault
