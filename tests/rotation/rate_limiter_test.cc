#include "rotation/rate_limiter.h"

#include <gtest/gtest.h>

namespace svidd::rotation {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const TimePoint kStart = TimePoint(seconds(1'700'000'000));

int AcquireAll(RateLimiter& limiter, TimePoint now) {
  int n = 0;
  while (limiter.TryAcquire(now)) ++n;
  return n;
}

TEST(RateLimiterTest, BurstEqualsRateThenRefillsAtRate) {
  RateLimiter limiter(100);
  EXPECT_EQ(AcquireAll(limiter, kStart), 100);
  EXPECT_EQ(limiter.NextAvailable(), kStart + milliseconds(10));
  EXPECT_EQ(AcquireAll(limiter, kStart + milliseconds(9)), 0);
  EXPECT_EQ(AcquireAll(limiter, kStart + milliseconds(10)), 1);
  EXPECT_EQ(AcquireAll(limiter, kStart + seconds(1)), 99);
  // Idle for long: the bucket holds no more than the burst.
  EXPECT_EQ(AcquireAll(limiter, kStart + seconds(60)), 100);
}

TEST(RateLimiterTest, RateBelowOneMeansOnePerSecond) {
  RateLimiter limiter(0);
  EXPECT_EQ(AcquireAll(limiter, kStart), 1);
  EXPECT_EQ(AcquireAll(limiter, kStart + milliseconds(999)), 0);
  EXPECT_EQ(AcquireAll(limiter, kStart + seconds(1)), 1);
}

TEST(RateLimiterTest, ExactlyTheRateEverySecondWhenItDividesASecond) {
  for (int rate : {1, 4, 100, 1000}) {
    SCOPED_TRACE(rate);
    RateLimiter limiter(rate);
    for (int s = 0; s < 20; ++s) ASSERT_EQ(AcquireAll(limiter, kStart + seconds(s)), rate);
  }
}

TEST(RateLimiterTest, OtherRatesRoundDownNeverUp) {
  // The refill interval is rounded up to whole nanoseconds: never more than the rate in a
  // second. Polled once a second a token may just miss the poll; polled when NextAvailable
  // says, the rate is met to within one token.
  for (int rate : {3, 7, 999}) {
    SCOPED_TRACE(rate);
    RateLimiter per_second(rate), on_time(rate);
    AcquireAll(on_time, kStart);
    int taken_on_time = 0;
    for (int s = 1; s <= 20; ++s) {
      ASSERT_LE(AcquireAll(per_second, kStart + seconds(s)), rate);
      while (on_time.NextAvailable() <= kStart + seconds(s)) {
        taken_on_time += AcquireAll(on_time, on_time.NextAvailable());
      }
    }
    EXPECT_GE(taken_on_time, 20 * rate - 1);
    EXPECT_LE(taken_on_time, 20 * rate);
  }
}

}  // namespace
}  // namespace svidd::rotation
