// PeriodicTask, the thread under svidd's maintenance loop and listener self-probe: a wake
// runs the next pass at once (a revocation another replica announced is acted on without
// waiting out the period), and Stop() ends it without waiting for the period either.
#include "server/periodic_task.h"

#include <gtest/gtest.h>

#include <chrono>

#include "server/event_counter.h"

namespace svidd::server {
namespace {

constexpr std::chrono::hours kLongPeriod(1);  // never reached while a test runs
using ::svidd::testing::EventCounter;

// Counts passes; lets a test wait for the n-th.
class PassCounter : public EventCounter {
 public:
  bool Pass() {
    Add();
    return true;
  }
};

TEST(PeriodicTaskTest, WakeRunsTheNextPassAtOnce) {
  PassCounter counter;
  PeriodicTask task(kLongPeriod);
  task.Start([&] { return counter.Pass(); });
  task.Wake();
  EXPECT_TRUE(counter.WaitFor(1));
  task.Wake();
  EXPECT_TRUE(counter.WaitFor(2));
  task.Stop();
}

TEST(PeriodicTaskTest, AWakeBeforeStartIsKept) {
  PassCounter counter;
  PeriodicTask task(kLongPeriod);
  task.Wake();
  task.Start([&] { return counter.Pass(); });
  EXPECT_TRUE(counter.WaitFor(1));
}

TEST(PeriodicTaskTest, RunsEveryPeriod) {
  PassCounter counter;
  PeriodicTask task(std::chrono::milliseconds(1));
  task.Start([&] { return counter.Pass(); });
  EXPECT_TRUE(counter.WaitFor(3));
}

// Stop() returns without waiting out the period, and no pass runs after it.
TEST(PeriodicTaskTest, StopEndsTheWaitAndNoPassFollows) {
  PassCounter counter;
  PeriodicTask task(kLongPeriod);
  task.Start([&] { return counter.Pass(); });
  task.Stop();
  task.Wake();
  task.Stop();  // idempotent
  EXPECT_EQ(counter.count(), 0);
}

}  // namespace
}  // namespace svidd::server
