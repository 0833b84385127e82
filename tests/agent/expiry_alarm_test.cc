#include "svidd/agent/expiry_alarm.h"

#include <gtest/gtest.h>

#include <map>

#include "svidd/common/time_format.h"

namespace svidd::agent {
namespace {

using std::chrono::seconds;

const TimePoint kStart = FromUnixSeconds(1'700'000'000);

TEST(ExpiryAlarmTest, ClassifiesByTheShareOfLifetimeLeft) {
  const TimePoint nb = kStart, na = kStart + seconds(100);
  struct Case {
    int elapsed;
    ExpiryLevel want;
  };
  for (const Case& c : std::vector<Case>{{0, ExpiryLevel::kFresh},
                                         {75, ExpiryLevel::kFresh},  // exactly a quarter left
                                         {76, ExpiryLevel::kLow},
                                         {90, ExpiryLevel::kLow},  // exactly a tenth left
                                         {91, ExpiryLevel::kCritical},
                                         {99, ExpiryLevel::kCritical},
                                         {100, ExpiryLevel::kExpired},
                                         {5000, ExpiryLevel::kExpired}}) {
    SCOPED_TRACE(c.elapsed);
    EXPECT_EQ(ClassifyExpiry(kStart + seconds(c.elapsed), nb, na), c.want);
  }
}

TEST(ExpiryAlarmTest, WarnsOnEachRiseAndRepeatsFasterNearExpiry) {
  FakeClock clock(kStart);
  ExpiryAlarm alarm;
  const TimePoint nb = kStart, na = kStart + seconds(100);  // repeats every 100/20 = 5 s
  std::map<ExpiryLevel, std::vector<int>> warned_at;
  for (int elapsed = 0; elapsed <= 130; ++elapsed) {
    if (auto w = alarm.Check(clock.Now(), nb, na)) {
      warned_at[w->level].push_back(elapsed);
      EXPECT_EQ(w->remaining, seconds(100 - elapsed));
    }
    clock.Advance(seconds(1));
  }
  EXPECT_EQ(warned_at[ExpiryLevel::kFresh], std::vector<int>{});
  EXPECT_EQ(warned_at[ExpiryLevel::kLow], (std::vector<int>{76, 81, 86}));
  EXPECT_EQ(warned_at[ExpiryLevel::kCritical], (std::vector<int>{91, 96}));
  EXPECT_EQ(warned_at[ExpiryLevel::kExpired],
            (std::vector<int>{100, 105, 110, 115, 120, 125, 130}));
}

TEST(ExpiryAlarmTest, RepeatIntervalIsCappedPerLevelForLongLifetimes) {
  ExpiryAlarm alarm;
  const auto day = std::chrono::hours(24);
  EXPECT_EQ(alarm.RepeatEvery(ExpiryLevel::kLow, day), std::chrono::minutes(5));
  EXPECT_EQ(alarm.RepeatEvery(ExpiryLevel::kCritical, day), std::chrono::minutes(1));
  EXPECT_EQ(alarm.RepeatEvery(ExpiryLevel::kExpired, day), std::chrono::minutes(1));
  EXPECT_EQ(alarm.RepeatEvery(ExpiryLevel::kLow, seconds(4)), seconds(1)) << "at least a second";
}

TEST(ExpiryAlarmTest, ARenewedCertificateSilencesTheAlarm) {
  ExpiryAlarm alarm;
  const TimePoint now = kStart + seconds(95);
  ASSERT_TRUE(alarm.Check(now, kStart, kStart + seconds(100)).has_value());
  // Renewed: a fresh certificate is quiet.
  EXPECT_FALSE(alarm.Check(now, now, now + seconds(100)).has_value());
  // When it runs low in turn it warns at once, whatever the old one's last warning was.
  EXPECT_FALSE(alarm.Check(now + seconds(75), now, now + seconds(100)).has_value());
  EXPECT_TRUE(alarm.Check(now + seconds(76), now, now + seconds(100)).has_value());
}

}  // namespace
}  // namespace svidd::agent
