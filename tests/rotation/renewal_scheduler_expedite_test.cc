// First issuance for streams without a certificate, and expedited re-issuance (CA change,
// revocation, operator): who is handed out when, and what the rate limit does to each.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "svidd/rotation/renewal_scheduler.h"

namespace svidd::rotation {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

const TimePoint kExpediteT0 = TimePoint(seconds(1'700'000'000));

RenewalSchedulerOptions ExpediteOptions(int rate = 100) {
  RenewalSchedulerOptions options;
  options.rng.seed(7);
  options.max_renewals_per_second = rate;
  options.answer_timeout = seconds(30);
  return options;
}

std::vector<uint64_t> Sorted(std::vector<uint64_t> ids) {
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST(RenewalSchedulerExpediteTest, UnissuedIsDueAtOnceAndRateLimited) {
  RenewalScheduler scheduler(ExpediteOptions(/*rate=*/10));
  for (uint64_t id = 0; id < 25; ++id)
    scheduler.TrackUnissued(id, kExpediteT0, kExpediteT0 + minutes(5));
  EXPECT_EQ(scheduler.NextWakeup(kExpediteT0), kExpediteT0);
  // A reconnect storm of 25 streams at 10/s: spread over three seconds, never dropped.
  EXPECT_EQ(scheduler.TakeDue(kExpediteT0).due.size(), 10u);
  EXPECT_EQ(scheduler.TakeDue(kExpediteT0 + seconds(1)).due.size(), 10u);
  EXPECT_EQ(scheduler.TakeDue(kExpediteT0 + seconds(2)).due.size(), 5u);
  EXPECT_EQ(scheduler.GetStats(kExpediteT0 + seconds(2)).in_flight, 25u);
}

TEST(RenewalSchedulerExpediteTest, UnissuedNeverAnsweredIsAbandonedNotExpired) {
  RenewalScheduler scheduler(ExpediteOptions());
  scheduler.TrackUnissued(1, kExpediteT0, kExpediteT0 + minutes(2));
  ASSERT_EQ(scheduler.TakeDue(kExpediteT0).due, std::vector<uint64_t>{1});
  DueBatch late = scheduler.TakeDue(kExpediteT0 + minutes(2));
  EXPECT_EQ(late.abandoned, std::vector<uint64_t>{1});
  EXPECT_TRUE(late.expired.empty());
  RenewalSchedulerStats stats = scheduler.GetStats(kExpediteT0 + minutes(2));
  EXPECT_EQ(stats.abandoned_unissued, 1u);
  EXPECT_EQ(stats.expired_unrenewed, 0u);
  EXPECT_EQ(stats.tracked, 0u);
}

// A reconnecting fleet larger than the give-up window times the rate (here 10 streams at
// 1/s against a 3 s window; in svidd 50,000 at 100/s against 5 minutes): the streams still
// queued when the window ends were never asked for a CSR, so none of them is given up on.
// Every one is asked in turn, and each answers within the window of its own request.
TEST(RenewalSchedulerExpediteTest, UnissuedWaitingBehindTheRateLimitIsNotAbandoned) {
  RenewalScheduler scheduler(ExpediteOptions(/*rate=*/1));
  constexpr int kStreams = 10;
  for (uint64_t id = 0; id < kStreams; ++id)
    scheduler.TrackUnissued(id, kExpediteT0, kExpediteT0 + seconds(3));
  std::vector<uint64_t> asked;
  for (int s = 0; s <= kStreams + 5; ++s) {
    const TimePoint now = kExpediteT0 + seconds(s);
    DueBatch batch = scheduler.TakeDue(now);
    EXPECT_TRUE(batch.abandoned.empty()) << "at +" << s << " s";
    for (uint64_t id : batch.due) {
      asked.push_back(id);
      ASSERT_TRUE(scheduler.MarkRenewed(id, now, now + hours(1)));  // answered at once
    }
  }
  EXPECT_EQ(Sorted(asked), (std::vector<uint64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(scheduler.GetStats(kExpediteT0 + seconds(20)).abandoned_unissued, 0u);
}

// The window runs from the request: asked late (behind the rate limit), given up on a whole
// window after that, not before.
TEST(RenewalSchedulerExpediteTest, UnissuedIsAbandonedAWindowAfterItWasAsked) {
  RenewalSchedulerOptions options = ExpediteOptions(/*rate=*/1);
  options.answer_timeout = minutes(10);  // no retry inside this test
  RenewalScheduler scheduler(std::move(options));
  scheduler.TrackUnissued(1, kExpediteT0, kExpediteT0 + seconds(3));
  scheduler.TrackUnissued(2, kExpediteT0, kExpediteT0 + seconds(3));
  ASSERT_EQ(scheduler.TakeDue(kExpediteT0).due, std::vector<uint64_t>{1});
  ASSERT_TRUE(scheduler.MarkRenewed(1, kExpediteT0, kExpediteT0 + hours(1)));
  // Stream 2 was deferred by the rate limit until +1 s and never answers.
  ASSERT_EQ(scheduler.TakeDue(kExpediteT0 + seconds(1)).due, std::vector<uint64_t>{2});
  EXPECT_TRUE(scheduler.TakeDue(kExpediteT0 + seconds(3)).abandoned.empty());
  EXPECT_EQ(scheduler.NextWakeup(kExpediteT0 + seconds(3)), kExpediteT0 + seconds(4));
  EXPECT_EQ(scheduler.TakeDue(kExpediteT0 + seconds(4)).abandoned, std::vector<uint64_t>{2});
}

TEST(RenewalSchedulerExpediteTest, FirstIssuanceIsNotCountedAsARenewal) {
  RenewalScheduler scheduler(ExpediteOptions());
  scheduler.TrackUnissued(1, kExpediteT0, kExpediteT0 + minutes(2));
  ASSERT_EQ(scheduler.TakeDue(kExpediteT0).due.size(), 1u);
  ASSERT_TRUE(scheduler.MarkRenewed(1, kExpediteT0, kExpediteT0 + hours(1)));
  RenewalSchedulerStats stats = scheduler.GetStats(kExpediteT0);
  EXPECT_EQ(stats.renewals_completed, 0u);
  EXPECT_EQ(stats.in_flight, 0u);
  // Now it has a certificate: scheduled from it, near half-life.
  ASSERT_TRUE(scheduler.ScheduledAt(1).has_value());
  EXPECT_GE(*scheduler.ScheduledAt(1), kExpediteT0 + minutes(24));
}

TEST(RenewalSchedulerExpediteTest, ImmediateSkipsTheRateLimitForEveryone) {
  RenewalScheduler scheduler(ExpediteOptions(/*rate=*/5));
  for (uint64_t id = 0; id < 1000; ++id) scheduler.Track(id, kExpediteT0, kExpediteT0 + hours(24));
  const TimePoint now = kExpediteT0 + hours(1);
  for (uint64_t id = 0; id < 1000; id += 2) {
    ASSERT_TRUE(scheduler.Expedite(id, now, Urgency::kImmediate));
  }
  // One pass reaches all 500 expedited workloads although the limit is 5/s.
  DueBatch batch = scheduler.TakeDue(now);
  ASSERT_EQ(batch.due.size(), 500u);
  for (uint64_t id : batch.due) EXPECT_EQ(id % 2, 0u);
  EXPECT_EQ(scheduler.GetStats(now).expedited, 500u);
  EXPECT_FALSE(scheduler.NextWakeup(now) == now) << "nothing else is due yet";
}

TEST(RenewalSchedulerExpediteTest, RateLimitedExpediteWaitsItsTurn) {
  RenewalScheduler scheduler(ExpediteOptions(/*rate=*/2));
  for (uint64_t id = 0; id < 6; ++id) scheduler.Track(id, kExpediteT0, kExpediteT0 + hours(24));
  const TimePoint now = kExpediteT0 + hours(1);
  for (uint64_t id = 0; id < 6; ++id) scheduler.Expedite(id, now, Urgency::kRateLimited);
  EXPECT_EQ(scheduler.TakeDue(now).due.size(), 2u);
  EXPECT_EQ(scheduler.TakeDue(now + seconds(1)).due.size(), 2u);
  EXPECT_EQ(scheduler.TakeDue(now + seconds(2)).due.size(), 2u);
}

TEST(RenewalSchedulerExpediteTest, ExpeditedButUnansweredIsRetriedThroughTheLimit) {
  RenewalScheduler scheduler(ExpediteOptions());
  scheduler.Track(1, kExpediteT0, kExpediteT0 + hours(24));
  const TimePoint now = kExpediteT0 + hours(1);
  ASSERT_TRUE(scheduler.Expedite(1, now, Urgency::kImmediate));
  ASSERT_EQ(scheduler.TakeDue(now).due, std::vector<uint64_t>{1});
  EXPECT_TRUE(scheduler.TakeDue(now + seconds(30)).due.empty());
  // answer_timeout (30s) + first backoff (1s)
  EXPECT_EQ(scheduler.TakeDue(now + seconds(31)).due, std::vector<uint64_t>{1});
  EXPECT_EQ(scheduler.GetStats(now + seconds(31)).retries, 1u);
}

TEST(RenewalSchedulerExpediteTest, ExpediteInFlightRestartsAttemptsAndKeepsCountsSane) {
  RenewalScheduler scheduler(ExpediteOptions());
  scheduler.Track(1, kExpediteT0, kExpediteT0 + hours(1));
  ASSERT_EQ(scheduler.TakeDue(kExpediteT0 + minutes(30)).due.size(), 1u);
  ASSERT_EQ(scheduler.GetStats(kExpediteT0 + minutes(30)).in_flight, 1u);
  ASSERT_TRUE(scheduler.Expedite(1, kExpediteT0 + minutes(31), Urgency::kImmediate));
  EXPECT_EQ(scheduler.GetStats(kExpediteT0 + minutes(31)).in_flight, 0u);
  EXPECT_EQ(Sorted(scheduler.TakeDue(kExpediteT0 + minutes(31)).due), std::vector<uint64_t>{1});
  EXPECT_EQ(scheduler.GetStats(kExpediteT0 + minutes(31)).in_flight, 1u);
  EXPECT_TRUE(scheduler.Untrack(1));
  RenewalSchedulerStats stats = scheduler.GetStats(kExpediteT0 + minutes(31));
  EXPECT_EQ(stats.in_flight, 0u);
  EXPECT_EQ(stats.tracked, 0u);
}

TEST(RenewalSchedulerExpediteTest, UnknownIdCannotBeExpedited) {
  RenewalScheduler scheduler(ExpediteOptions());
  EXPECT_FALSE(scheduler.Expedite(9, kExpediteT0, Urgency::kImmediate));
  EXPECT_EQ(scheduler.GetStats(kExpediteT0).expedited, 0u);
}

}  // namespace
}  // namespace svidd::rotation
