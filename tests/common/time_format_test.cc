#include "svidd/common/time_format.h"

#include <gtest/gtest.h>

namespace svidd {
namespace {

TEST(ParseDurationTest, GoodDurations) {
  struct Case {
    const char* text;
    int64_t seconds;
  } cases[] = {{"24h", 86400}, {"90m", 5400}, {"1h30m", 5400}, {"20s", 20}, {"2d", 172800},
               {"0", 0},       {"45", 45},    {"1500ms", 1},   {"-1s", -1}, {"1.5h", 5400}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    auto d = ParseDuration(c.text);
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_EQ(d->count(), c.seconds);
  }
}

TEST(ParseDurationTest, BadDurationsSayWhy) {
  struct Case {
    const char* text;
    const char* fragment;
  } cases[] = {{"", "empty"},
               {"h", "expected a number"},
               {"5y", "unknown unit \"y\""},
               {"1h30", "missing unit"},
               {"99999999d", "too long"}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    auto d = ParseDuration(c.text);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(d.status().message().find(c.fragment), absl::string_view::npos) << d.status();
  }
}

TEST(FormatDurationTest, ShortestExactForm) {
  EXPECT_EQ(FormatDuration(std::chrono::hours(24)), "1d");
  EXPECT_EQ(FormatDuration(std::chrono::seconds(5400)), "1h30m");
  EXPECT_EQ(FormatDuration(std::chrono::seconds(20)), "20s");
  EXPECT_EQ(FormatDuration(std::chrono::seconds(0)), "0s");
  EXPECT_EQ(FormatDuration(std::chrono::seconds(-60)), "-1m");
}

TEST(Rfc3339Test, RoundTripsInUtc) {
  TimePoint t = FromUnixSeconds(1795334993);  // 2026-11-22T08:09:53Z
  EXPECT_EQ(FormatRfc3339(t), "2026-11-22T08:09:53Z");
  auto back = ParseRfc3339("2026-11-22T08:09:53Z");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, t);
  EXPECT_FALSE(ParseRfc3339("2026-11-22 08:09:53").ok());
  EXPECT_FALSE(ParseRfc3339("2026-11-22T08:09:53Zjunk").ok());
}

TEST(FormatRelativeTest, PeopleReadableBothWays) {
  TimePoint now = FromUnixSeconds(1'000'000);
  EXPECT_EQ(FormatRelative(now + std::chrono::hours(3), now), "in 3h");
  EXPECT_EQ(FormatRelative(now - std::chrono::hours(72), now), "3d ago");
  EXPECT_EQ(FormatRelative(now + std::chrono::seconds(2), now), "now");
  EXPECT_EQ(FormatRelative(now + std::chrono::minutes(10), now), "in 10m");
}

}  // namespace
}  // namespace svidd

namespace svidd {
namespace {

// Found by the admin_request fuzzer: an admin request's evaluated_at of 233158588672 s
// overflowed the nanosecond count (undefined behaviour, a garbage time). Out-of-range
// seconds saturate now.
TEST(UnixSecondsTest, OutOfRangeSecondsSaturate) {
  EXPECT_EQ(FromUnixSeconds(233158588672), TimePoint::max());
  EXPECT_EQ(FromUnixSeconds(INT64_MAX), TimePoint::max());
  EXPECT_EQ(FromUnixSeconds(-233158588672), TimePoint::min());
  EXPECT_EQ(FromUnixSeconds(INT64_MIN), TimePoint::min());
  EXPECT_EQ(ToUnixSeconds(FromUnixSeconds(1767225600)), 1767225600);
  EXPECT_EQ(ToUnixSeconds(FromUnixSeconds(-1)), -1);
}

}  // namespace
}  // namespace svidd
