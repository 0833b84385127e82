// Unanswered renewal requests: retries with backoff, giving up at not_after, and when the
// server loop should wake.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "svidd/rotation/renewal_scheduler.h"

namespace svidd::rotation {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

const TimePoint kRetryT0 = TimePoint(seconds(1'700'000'000));

RenewalSchedulerOptions NoJitter(int per_second = 100) {
  RenewalSchedulerOptions options;
  options.rng.seed(1);
  options.jitter_fraction = 0.0;
  options.max_renewals_per_second = per_second;
  return options;
}

TEST(RenewalSchedulerRetryTest, UnansweredIsRetriedWithBackoffThenGivenUpAtNotAfter) {
  RenewalScheduler scheduler(NoJitter());
  const TimePoint not_after = kRetryT0 + hours(1);
  scheduler.Track(1, kRetryT0, not_after);

  // 30 s to answer, then 1 s, 2 s, 4 s ... 60 s of backoff before the next request.
  std::vector<TimePoint> expected = {kRetryT0 + minutes(30)};
  for (int k = 0; expected.back() < not_after; ++k) {
    expected.push_back(expected.back() + seconds(30) +
                       std::min(seconds(1 << std::min(k, 6)), seconds(60)));
  }
  expected.pop_back();  // past not_after

  FakeClock clock(kRetryT0);
  std::vector<TimePoint> taken;
  std::vector<UnrenewedWorkload> expired;
  std::vector<UnrenewedWorkload> warned;
  while (auto wake = scheduler.NextWakeup(clock.Now())) {
    ASSERT_LT(taken.size(), 1000u);
    clock.Set(*wake);
    if (warned.empty() && clock.Now() >= not_after - minutes(5)) {
      warned = scheduler.ExpiringWithin(clock.Now(), minutes(5));
    }
    DueBatch batch = scheduler.TakeDue(clock.Now());
    for (uint64_t id : batch.due) {
      EXPECT_EQ(id, 1u);
      taken.push_back(clock.Now());
    }
    expired.insert(expired.end(), batch.expired.begin(), batch.expired.end());
  }

  EXPECT_EQ(taken, expected);
  ASSERT_EQ(warned.size(), 1u);  // flagged before it expired
  EXPECT_EQ(warned[0].id, 1u);
  EXPECT_GT(warned[0].attempts, 1);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].id, 1u);
  EXPECT_EQ(expired[0].not_after, not_after);
  EXPECT_EQ(expired[0].attempts, static_cast<int>(taken.size()));
  EXPECT_EQ(clock.Now(), not_after);

  const RenewalSchedulerStats stats = scheduler.GetStats(clock.Now());
  EXPECT_EQ(stats.tracked, 0u);
  EXPECT_EQ(stats.in_flight, 0u);
  EXPECT_EQ(stats.renewals_taken, taken.size());
  EXPECT_EQ(stats.retries, taken.size() - 1);
  EXPECT_EQ(stats.expired_unrenewed, 1u);
  EXPECT_FALSE(scheduler.MarkRenewed(1, clock.Now(), clock.Now() + hours(1)));
}

TEST(RenewalSchedulerRetryTest, NextWakeup) {
  struct Case {
    std::string name;
    int per_second;
    std::function<void(RenewalScheduler&)> setup;
    TimePoint now;
    std::optional<TimePoint> expected;
  };
  const auto track_1h = [](uint64_t id) {
    return [id](RenewalScheduler& s) { s.Track(id, kRetryT0, kRetryT0 + hours(1)); };
  };
  const std::vector<Case> cases = {
      {"nothing tracked", 100, [](RenewalScheduler&) {}, kRetryT0, std::nullopt},
      {"renewal ahead", 100, track_1h(1), kRetryT0, kRetryT0 + minutes(30)},
      {"due now", 100, track_1h(1), kRetryT0 + minutes(40), kRetryT0 + minutes(40)},
      {"due but out of tokens: next token", 1,
       [](RenewalScheduler& s) {
         s.Track(1, kRetryT0, kRetryT0 + hours(1));
         s.Track(2, kRetryT0, kRetryT0 + hours(1));
         s.TakeDue(kRetryT0 + minutes(30));
       },
       kRetryT0 + minutes(30), kRetryT0 + minutes(30) + seconds(1)},
      {"in flight: the retry", 100,
       [](RenewalScheduler& s) {
         s.Track(1, kRetryT0, kRetryT0 + hours(1));
         s.TakeDue(kRetryT0 + minutes(30));
       },
       kRetryT0 + minutes(30), kRetryT0 + minutes(30) + seconds(31)},
      {"expiry before the retry", 100,
       [](RenewalScheduler& s) {
         s.Track(1, kRetryT0, kRetryT0 + seconds(20));
         s.TakeDue(kRetryT0 + seconds(10));
       },
       kRetryT0 + seconds(10), kRetryT0 + seconds(20)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RenewalScheduler scheduler(NoJitter(c.per_second));
    c.setup(scheduler);
    EXPECT_EQ(scheduler.NextWakeup(c.now), c.expected);
  }
}

TEST(RenewalSchedulerRetryTest, RetriesWaitForTheRateLimitToo) {
  RenewalScheduler scheduler(NoJitter(1));
  scheduler.Track(1, kRetryT0, kRetryT0 + hours(1));
  scheduler.Track(2, kRetryT0, kRetryT0 + hours(1));
  const TimePoint start = kRetryT0 + minutes(30);
  EXPECT_EQ(scheduler.TakeDue(start).due, std::vector<uint64_t>{1});
  EXPECT_EQ(scheduler.TakeDue(start + seconds(1)).due, std::vector<uint64_t>{2});
  // 1's retry (start + 31 s) and 2's (start + 32 s) both due at start + 40 s: one per second.
  EXPECT_EQ(scheduler.TakeDue(start + seconds(40)).due, std::vector<uint64_t>{1});
  EXPECT_EQ(scheduler.GetStats(start + seconds(40)).due, 1u);
  EXPECT_EQ(scheduler.TakeDue(start + seconds(41)).due, std::vector<uint64_t>{2});
  const RenewalSchedulerStats stats = scheduler.GetStats(start + seconds(41));
  EXPECT_EQ(stats.retries, 2u);
  EXPECT_EQ(stats.rate_limited_deferrals, 2u);  // 2 at first, then 2's retry
}

}  // namespace
}  // namespace svidd::rotation
