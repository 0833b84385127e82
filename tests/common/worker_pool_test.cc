#include "svidd/common/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>

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

TEST(WorkerPoolTest, ZeroMeansOnePerCore) {
  WorkerPool pool(0);
  EXPECT_GE(pool.size(), 1u);
}

}  // namespace
}  // namespace svidd
