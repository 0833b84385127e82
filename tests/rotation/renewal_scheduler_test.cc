#include "svidd/rotation/renewal_scheduler.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "svidd/rotation/renewal_policy.h"

namespace svidd::rotation {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

const TimePoint kT0 = TimePoint(seconds(1'700'000'000));

RenewalSchedulerOptions Options(uint64_t seed = 1, double jitter_fraction = 0.1) {
  RenewalSchedulerOptions options;
  options.rng.seed(seed);
  options.jitter_fraction = jitter_fraction;
  return options;
}

TEST(RenewalSchedulerTest, TrackSchedulesAtJitteredHalfLife) {
  struct Case {
    std::string name;
    nanoseconds lifetime;
  };
  const std::vector<Case> cases = {{"20s", seconds(20)}, {"1h", hours(1)}, {"24h", hours(24)}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RenewalSchedulerOptions options = Options(42);
    std::mt19937_64 same_rng = options.rng;
    RenewalScheduler scheduler(std::move(options));
    for (uint64_t id = 0; id < 100; ++id) {
      const TimePoint at = scheduler.Track(id, kT0, kT0 + c.lifetime);
      EXPECT_EQ(at, RenewalTime(kT0, kT0 + c.lifetime, 0.1, JitterSample(same_rng)));
      EXPECT_EQ(scheduler.ScheduledAt(id), at);
      EXPECT_LE(at - kT0, c.lifetime / 2);
      EXPECT_GE(at - kT0, c.lifetime / 2 - c.lifetime / 10);
    }
  }
}

TEST(RenewalSchedulerTest, DueExactlyAtRenewalTimeAndAtOnceWhenAlreadyPast) {
  RenewalScheduler scheduler(Options(1, 0.0));
  const TimePoint at = scheduler.Track(1, kT0, kT0 + hours(1));
  ASSERT_EQ(at, kT0 + minutes(30));
  EXPECT_TRUE(scheduler.TakeDue(at - nanoseconds(1)).due.empty());
  EXPECT_EQ(scheduler.TakeDue(at).due, std::vector<uint64_t>{1});
  ASSERT_TRUE(scheduler.MarkRenewed(1, at, at + hours(1)));

  // Connected late in the certificate's life: due on the next TakeDue.
  const TimePoint now = kT0 + minutes(50);
  scheduler.Track(2, kT0, kT0 + hours(1));
  EXPECT_EQ(scheduler.NextWakeup(now), now);
  EXPECT_EQ(scheduler.TakeDue(now).due, std::vector<uint64_t>{2});
}

TEST(RenewalSchedulerTest, UntrackRemovesWaitingAndInFlightWorkloads) {
  RenewalScheduler scheduler(Options());
  scheduler.Track(1, kT0, kT0 + hours(1));
  scheduler.Track(2, kT0, kT0 + hours(1));
  ASSERT_EQ(scheduler.TakeDue(kT0 + minutes(30)).due.size(), 2u);
  scheduler.Track(3, kT0 + minutes(30), kT0 + hours(2));
  EXPECT_EQ(scheduler.GetStats(kT0 + minutes(30)).in_flight, 2u);

  EXPECT_TRUE(scheduler.Untrack(1));  // in flight
  EXPECT_TRUE(scheduler.Untrack(3));  // waiting
  EXPECT_FALSE(scheduler.Untrack(3));
  EXPECT_FALSE(scheduler.Untrack(99));
  EXPECT_EQ(scheduler.ScheduledAt(1), std::nullopt);
  EXPECT_EQ(scheduler.GetStats(kT0).in_flight, 1u);
  EXPECT_EQ(scheduler.GetStats(kT0).tracked, 1u);

  EXPECT_TRUE(scheduler.Untrack(2));
  EXPECT_EQ(scheduler.NextWakeup(kT0), std::nullopt);
  const DueBatch later = scheduler.TakeDue(kT0 + hours(5));
  EXPECT_TRUE(later.due.empty());
  EXPECT_TRUE(later.expired.empty());  // untracked workloads are not reported as expired
}

TEST(RenewalSchedulerTest, MarkRenewedReschedulesFromTheNewCertificate) {
  RenewalScheduler scheduler(Options(1, 0.0));
  scheduler.Track(1, kT0, kT0 + hours(1));
  const TimePoint taken_at = kT0 + minutes(30);
  ASSERT_EQ(scheduler.TakeDue(taken_at).due, std::vector<uint64_t>{1});

  ASSERT_TRUE(scheduler.MarkRenewed(1, taken_at, taken_at + hours(1)));
  EXPECT_EQ(scheduler.ScheduledAt(1), taken_at + minutes(30));
  // No retry of the answered request; due again at the new renewal time, which here is
  // also the old certificate's not_after, and that expiry is forgotten.
  EXPECT_TRUE(scheduler.TakeDue(taken_at + minutes(29)).due.empty());
  const DueBatch renewal = scheduler.TakeDue(taken_at + minutes(30));
  EXPECT_EQ(renewal.due, std::vector<uint64_t>{1});
  EXPECT_TRUE(renewal.expired.empty());

  const RenewalSchedulerStats stats = scheduler.GetStats(taken_at);
  EXPECT_EQ(stats.renewals_completed, 1u);
  EXPECT_EQ(stats.renewals_taken, 2u);
  EXPECT_EQ(stats.retries, 0u);
  EXPECT_EQ(stats.in_flight, 1u);
}

TEST(RenewalSchedulerTest, MarkRenewedForUnknownIdTracksNothing) {
  RenewalScheduler scheduler(Options());
  EXPECT_FALSE(scheduler.MarkRenewed(7, kT0, kT0 + hours(1)));
  EXPECT_EQ(scheduler.GetStats(kT0).tracked, 0u);
  EXPECT_EQ(scheduler.GetStats(kT0).renewals_completed, 0u);
}

TEST(RenewalSchedulerTest, TrackAgainReplacesTheOldSchedule) {
  RenewalScheduler scheduler(Options(1, 0.0));
  scheduler.Track(1, kT0, kT0 + hours(1));
  ASSERT_EQ(scheduler.TakeDue(kT0 + minutes(30)).due.size(), 1u);  // in flight
  const TimePoint again = scheduler.Track(1, kT0 + minutes(40), kT0 + hours(2) + minutes(40));
  EXPECT_EQ(again, kT0 + hours(1) + minutes(40));

  const RenewalSchedulerStats stats = scheduler.GetStats(kT0 + minutes(40));
  EXPECT_EQ(stats.tracked, 1u);
  EXPECT_EQ(stats.in_flight, 0u);
  EXPECT_EQ(scheduler.NextWakeup(kT0 + minutes(40)), again);
  // Neither the old retry nor the old expiry fires.
  const DueBatch at_old_expiry = scheduler.TakeDue(kT0 + hours(1));
  EXPECT_TRUE(at_old_expiry.due.empty());
  EXPECT_TRUE(at_old_expiry.expired.empty());
  EXPECT_EQ(scheduler.TakeDue(again).due, std::vector<uint64_t>{1});
}

TEST(RenewalSchedulerTest, ExpiringWithinListsUnrenewedCertificatesSoonestFirst) {
  RenewalScheduler scheduler(Options());
  scheduler.Track(1, kT0, kT0 + hours(3));
  scheduler.Track(2, kT0, kT0 + hours(1));
  scheduler.Track(3, kT0, kT0 + hours(2));
  struct Case {
    std::string name;
    nanoseconds window;
    std::vector<uint64_t> ids;
  };
  const std::vector<Case> cases = {
      {"nothing yet", minutes(59), {}},
      {"not_after inclusive", hours(1), {2}},
      {"two", hours(2) + minutes(5), {2, 3}},
      {"all", hours(24), {2, 3, 1}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<uint64_t> ids;
    for (const UnrenewedWorkload& w : scheduler.ExpiringWithin(kT0, c.window)) {
      ids.push_back(w.id);
    }
    EXPECT_EQ(ids, c.ids);
  }
}

}  // namespace
}  // namespace svidd::rotation
