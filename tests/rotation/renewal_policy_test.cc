#include "svidd/rotation/renewal_policy.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace svidd::rotation {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

const TimePoint kIssued = TimePoint(seconds(1'700'000'000));

TEST(RenewalTimeTest, HalfLifeMinusJitterForEachLifetime) {
  struct Case {
    std::string name;
    nanoseconds lifetime;
    double sample;
    nanoseconds expected_after_issue;
  };
  const std::vector<Case> cases = {
      {"20s no jitter", seconds(20), 0.0, seconds(10)},
      {"20s half jitter", seconds(20), 0.5, seconds(9)},
      {"20s near-max jitter", seconds(20), 0.999, milliseconds(8002)},
      {"1h no jitter", hours(1), 0.0, minutes(30)},
      {"1h half jitter", hours(1), 0.5, minutes(27)},
      {"1h max jitter", hours(1), 1.0, minutes(24)},
      {"24h no jitter", hours(24), 0.0, hours(12)},
      {"24h quarter jitter", hours(24), 0.25, hours(12) - minutes(36)},
      {"24h max jitter", hours(24), 1.0, hours(12) - minutes(144)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const TimePoint at = RenewalTime(kIssued, kIssued + c.lifetime, 0.1, c.sample);
    EXPECT_EQ(at - kIssued, c.expected_after_issue);
    EXPECT_LE(at - kIssued, c.lifetime / 2);
    EXPECT_GE(at - kIssued, c.lifetime / 2 - c.lifetime / 10);
  }
}

TEST(RenewalTimeTest, ClampsOutOfRangeInputs) {
  struct Case {
    std::string name;
    nanoseconds lifetime;
    double fraction;
    double sample;
    nanoseconds expected_after_issue;
  };
  const std::vector<Case> cases = {
      {"fraction above one half never goes before not_before", hours(1), 0.9, 1.0, {}},
      {"negative fraction means no jitter", hours(1), -0.3, 0.7, minutes(30)},
      {"sample above one acts as one", hours(1), 0.1, 7.0, minutes(24)},
      {"negative sample acts as zero", hours(1), 0.1, -1.0, minutes(30)},
      {"zero lifetime renews at not_before", {}, 0.1, 0.5, {}},
      {"negative lifetime renews at not_before", -hours(1), 0.1, 0.5, {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const TimePoint at = RenewalTime(kIssued, kIssued + c.lifetime, c.fraction, c.sample);
    EXPECT_EQ(at - kIssued, c.expected_after_issue);
  }
}

TEST(RetryBackoffTest, DoublesFromInitialUpToCap) {
  const std::vector<std::pair<int, nanoseconds>> cases = {
      {0, seconds(1)},  {1, seconds(1)},  {2, seconds(2)},  {3, seconds(4)},
      {6, seconds(32)}, {7, seconds(60)}, {8, seconds(60)}, {1'000'000, seconds(60)},
  };
  for (const auto& [attempt, expected] : cases) {
    SCOPED_TRACE(attempt);
    EXPECT_EQ(RetryBackoff(attempt, seconds(1), seconds(60)), expected);
  }
  EXPECT_EQ(RetryBackoff(5, nanoseconds::zero(), seconds(60)), nanoseconds::zero());
}

TEST(JitterSampleTest, SameSeedSameDrawsAllInUnitInterval) {
  std::mt19937_64 a(7), b(7);
  for (int i = 0; i < 10'000; ++i) {
    const double x = JitterSample(a);
    EXPECT_EQ(x, JitterSample(b));
    ASSERT_GE(x, 0.0);
    ASSERT_LT(x, 1.0);
  }
}

}  // namespace
}  // namespace svidd::rotation
