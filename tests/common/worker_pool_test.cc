#include "svidd/common/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>

#include "absl/synchronization/notification.h"
#include "svidd/common/refusal.h"

namespace svidd {
namespace {

TEST(WorkerPoolTest, StopRunsEverythingPostedThenRefusesMore) {
  std::atomic<int> ran{0};
  WorkerPool pool(2);
  EXPECT_EQ(pool.size(), 2u);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(pool.Post([&] { ran++; }));
  pool.Stop();
  EXPECT_EQ(ran.load(), 1000);
  EXPECT_FALSE(pool.Post([&] { ran++; }));
  pool.Stop();  // idempotent
  EXPECT_EQ(ran.load(), 1000);
}

// One worker held busy, one task waiting: the next is refused at once with the queue-full
// reason, and once the worker is free again the pool takes work as before.
TEST(WorkerPoolTest, AFullQueueRefusesAtOnceWithResourceExhausted) {
  WorkerPool pool(1, /*max_queued=*/1);
  absl::Notification started, release;
  ASSERT_TRUE(pool.Submit([&] {
                    started.Notify();
                    release.WaitForNotification();
                  })
                  .ok());
  started.WaitForNotification();
  std::atomic<int> ran{0};
  ASSERT_TRUE(pool.Submit([&] { ran++; }).ok());
  EXPECT_EQ(pool.queued(), 1u);
  absl::Status full = pool.Submit([&] { ran++; });
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted) << full;
  EXPECT_EQ(RefusalOf(full), Refusal::kQueueFull);
  release.Notify();
  pool.Stop();
  EXPECT_EQ(ran.load(), 1) << "the refused task never runs";
  absl::Status stopped = pool.Submit([] {});
  EXPECT_EQ(stopped.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(RefusalOf(stopped), Refusal::kShuttingDown);
}

TEST(WorkerPoolTest, ZeroMeansOnePerCore) {
  WorkerPool pool(0);
  EXPECT_GE(pool.size(), 1u);
}

}  // namespace
}  // namespace svidd
