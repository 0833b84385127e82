// Fleets, storms and many workloads: spreading, rate limiting and O(log n) sanity.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "svidd/rotation/renewal_scheduler.h"

namespace svidd::rotation {
namespace {

using std::chrono::duration_cast;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

const TimePoint kLoadT0 = TimePoint(seconds(1'700'000'000));

RenewalSchedulerOptions LoadOptions(uint64_t seed, int per_second) {
  RenewalSchedulerOptions options;
  options.rng.seed(seed);
  options.max_renewals_per_second = per_second;
  return options;
}

int64_t SecondsSince(TimePoint start, TimePoint t) {
  return duration_cast<seconds>(t - start).count();
}

TEST(RenewalSchedulerLoadTest, FleetIssuedAtOnceRenewsSpreadOverTheJitterWindow) {
  constexpr int kFleet = 1000;
  RenewalScheduler scheduler(LoadOptions(2024, 1000));
  std::map<uint64_t, TimePoint> renew_at;
  for (uint64_t id = 0; id < kFleet; ++id)
    renew_at[id] = scheduler.Track(id, kLoadT0, kLoadT0 + hours(1));

  // Window: [30 min - 10% of 1 h, 30 min].
  const TimePoint earliest = kLoadT0 + minutes(24), latest = kLoadT0 + minutes(30);
  std::map<int64_t, int> per_second;
  std::map<int64_t, int> per_minute;
  for (const auto& [id, at] : renew_at) {
    ASSERT_GE(at, earliest);
    ASSERT_LE(at, latest);
    per_second[SecondsSince(earliest, at)]++;
    per_minute[SecondsSince(earliest, at) / 60]++;
  }
  const auto [lo, hi] = std::minmax_element(renew_at.begin(), renew_at.end(),
                                            [](auto& a, auto& b) { return a.second < b.second; });
  EXPECT_GT(hi->second - lo->second, minutes(5) + seconds(30));
  EXPECT_GT(per_second.size(), 250u);  // of 360 seconds; uniform gives ~340
  for (const auto& [second, n] : per_second) EXPECT_LE(n, 15) << second;
  ASSERT_EQ(per_minute.size(), 6u);
  for (const auto& [minute, n] : per_minute) {
    EXPECT_GT(n, 100) << minute;  // ~167 each
    EXPECT_LT(n, 240) << minute;
  }

  // Each workload is handed out in the first poll at or after its renewal time.
  FakeClock clock(earliest - seconds(1));
  int taken = 0;
  while (clock.Now() <= latest) {
    for (uint64_t id : scheduler.TakeDue(clock.Now()).due) {
      EXPECT_GE(clock.Now(), renew_at[id]);
      EXPECT_LT(clock.Now() - renew_at[id], seconds(1));
      scheduler.MarkRenewed(id, clock.Now(), clock.Now() + hours(1));
      ++taken;
    }
    clock.Advance(seconds(1));
  }
  EXPECT_EQ(taken, kFleet);
}

// 10,000 workloads connect with certificates already past their renewal time.
void TrackStorm(RenewalScheduler& scheduler, std::map<uint64_t, TimePoint>& renew_at) {
  for (uint64_t id = 0; id < 10'000; ++id) {
    renew_at[id] = scheduler.Track(id, kLoadT0 - minutes(40), kLoadT0 + minutes(20));
  }
}

TEST(RenewalSchedulerLoadTest, StormIsSpreadAtTheRateLimitInDueOrder) {
  RenewalScheduler scheduler(LoadOptions(7, 100));
  std::map<uint64_t, TimePoint> renew_at;
  TrackStorm(scheduler, renew_at);

  FakeClock clock(kLoadT0);
  std::set<uint64_t> seen;
  TimePoint last_due = TimePoint::min();
  for (int s = 0; s < 100; ++s, clock.Advance(seconds(1))) {
    const DueBatch batch = scheduler.TakeDue(clock.Now());
    ASSERT_EQ(batch.due.size(), 100u) << "second " << s;
    if (s < 99) {
      ASSERT_EQ(batch.next_wakeup, clock.Now() + milliseconds(10));  // the next token
    } else {
      // Nothing left but the retries of this batch, should it not be answered.
      ASSERT_EQ(batch.next_wakeup, clock.Now() + seconds(31));
    }
    for (uint64_t id : batch.due) {
      EXPECT_GE(renew_at[id], last_due);  // most overdue first
      last_due = renew_at[id];
      EXPECT_TRUE(seen.insert(id).second);
      scheduler.MarkRenewed(id, clock.Now(), clock.Now() + hours(1));
    }
    if (s == 49) {
      EXPECT_EQ(scheduler.GetStats(clock.Now()).due, 5'000u);
    }
  }
  EXPECT_EQ(seen.size(), 10'000u);
  EXPECT_TRUE(scheduler.TakeDue(clock.Now()).due.empty());
  EXPECT_GE(scheduler.NextWakeup(clock.Now()), kLoadT0 + minutes(24));  // renewing the new certs

  const RenewalSchedulerStats stats = scheduler.GetStats(clock.Now());
  EXPECT_EQ(stats.renewals_taken, 10'000u);
  EXPECT_EQ(stats.renewals_completed, 10'000u);
  EXPECT_EQ(stats.rate_limited_deferrals, 9'900u);
  EXPECT_EQ(stats.retries, 0u);
  EXPECT_EQ(stats.due, 0u);
}

TEST(RenewalSchedulerLoadTest, StormFollowingNextWakeupKeepsToTheTokenBucketBound) {
  RenewalScheduler scheduler(LoadOptions(7, 100));
  std::map<uint64_t, TimePoint> renew_at;
  TrackStorm(scheduler, renew_at);

  FakeClock clock(kLoadT0);
  std::map<int64_t, int> per_second;
  int taken = 0;
  while (taken < 10'000) {
    const DueBatch batch = scheduler.TakeDue(clock.Now());
    for (uint64_t id : batch.due) {
      per_second[SecondsSince(kLoadT0, clock.Now())]++;
      scheduler.MarkRenewed(id, clock.Now(), clock.Now() + hours(1));
      ++taken;
    }
    ASSERT_TRUE(batch.next_wakeup.has_value());
    clock.Set(*batch.next_wakeup);
  }
  // A full bucket (100) plus the refill (100/s): 199 in the first second, then 100 a second.
  EXPECT_EQ(per_second[0], 199);
  for (const auto& [second, n] : per_second) {
    if (second > 0) {
      EXPECT_LE(n, 100) << second;
    }
  }
  EXPECT_LE(per_second.rbegin()->first, 99);
}

// Silences the scheduler's give-up errors in a test that expires thousands on purpose.
class QuietLogs {
 public:
  QuietLogs() : level_(spdlog::get_level()) { spdlog::set_level(spdlog::level::off); }
  ~QuietLogs() { spdlog::set_level(level_); }

 private:
  spdlog::level::level_enum level_;
};

TEST(RenewalSchedulerLoadTest, HundredThousandWorkloadsComeAndGo) {
  QuietLogs quiet;
  constexpr uint64_t kN = 100'000;
  RenewalScheduler scheduler(LoadOptions(99, 100'000));
  std::mt19937_64 rng(5);
  auto lifetime = [&rng] { return seconds(60 + rng() % 3600); };
  for (uint64_t id = 0; id < kN; ++id) scheduler.Track(id, kLoadT0, kLoadT0 + lifetime());
  for (uint64_t id = 0; id < kN; id += 4) scheduler.Track(id, kLoadT0, kLoadT0 + lifetime());
  for (uint64_t id = 1; id < kN; id += 2) ASSERT_TRUE(scheduler.Untrack(id));

  uint64_t expired = 0;
  for (TimePoint now = kLoadT0; now <= kLoadT0 + hours(2); now += seconds(10)) {
    const DueBatch batch = scheduler.TakeDue(now);
    expired += batch.expired.size();
    for (uint64_t id : batch.due) {
      if (id % 3 == 0) scheduler.MarkRenewed(id, now, now + lifetime());
      if (id % 10 == 2) scheduler.Untrack(id);
    }
  }
  const DueBatch last = scheduler.TakeDue(kLoadT0 + hours(100));
  expired += last.expired.size();

  const RenewalSchedulerStats stats = scheduler.GetStats(kLoadT0 + hours(100));
  EXPECT_EQ(stats.tracked, 0u);
  EXPECT_EQ(stats.in_flight, 0u);
  EXPECT_EQ(stats.due, 0u);
  EXPECT_EQ(stats.expired_unrenewed, expired);
  EXPECT_GT(stats.retries, 0u);
  EXPECT_EQ(scheduler.NextWakeup(kLoadT0 + hours(100)), std::nullopt);
}

TEST(RenewalSchedulerLoadTest, ConcurrentCallersKeepTheCountsConsistent) {
  RenewalScheduler scheduler(LoadOptions(3, 1000));
  FakeClock clock(kLoadT0 + minutes(30));
  std::vector<std::thread> threads;
  for (uint64_t t = 0; t < 4; ++t) {
    threads.emplace_back([&scheduler, t] {
      for (uint64_t i = 0; i < 10'000; ++i) {
        const uint64_t id = t * 1'000'000 + i;
        scheduler.Track(id, kLoadT0, kLoadT0 + hours(1));
        if (i % 2 == 1) scheduler.Untrack(id);
      }
    });
  }
  uint64_t answered_after_untrack = 0;  // taken, then untracked before MarkRenewed
  threads.emplace_back([&scheduler, &clock, &answered_after_untrack] {
    for (int i = 0; i < 2'000; ++i) {
      for (uint64_t id : scheduler.TakeDue(clock.Now()).due) {
        if (!scheduler.MarkRenewed(id, clock.Now(), clock.Now() + hours(1))) {
          ++answered_after_untrack;
        }
      }
      clock.Advance(milliseconds(10));
    }
  });
  for (std::thread& thread : threads) thread.join();

  const RenewalSchedulerStats stats = scheduler.GetStats(clock.Now());
  EXPECT_EQ(stats.tracked, 20'000u);
  EXPECT_EQ(stats.in_flight, 0u);
  EXPECT_EQ(stats.renewals_completed + answered_after_untrack, stats.renewals_taken);
}

}  // namespace
}  // namespace svidd::rotation
