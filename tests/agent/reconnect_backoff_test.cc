#include "svidd/agent/reconnect_backoff.h"

#include <gtest/gtest.h>

namespace svidd::agent {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

TEST(ReconnectBackoffTest, CeilingDoublesFrom100msTo30s) {
  ReconnectBackoff backoff;
  struct Case {
    int attempt;
    nanoseconds want;
  };
  for (const Case& c : std::vector<Case>{{1, milliseconds(100)},
                                         {2, milliseconds(200)},
                                         {3, milliseconds(400)},
                                         {9, milliseconds(25600)},
                                         {10, seconds(30)},
                                         {1000, seconds(30)}}) {
    SCOPED_TRACE(c.attempt);
    EXPECT_EQ(backoff.Ceiling(c.attempt), c.want);
  }
}

TEST(ReconnectBackoffTest, FullJitterSpansZeroToTheCeiling) {
  ReconnectBackoff backoff;
  struct Case {
    const char* name;
    int attempt;
    double sample;
    nanoseconds want;
  };
  for (const Case& c : std::vector<Case>{{"lowest draw", 3, 0.0, nanoseconds(0)},
                                         {"half", 3, 0.5, milliseconds(200)},
                                         {"top", 3, 1.0, milliseconds(400)},
                                         {"below range clamps", 3, -1.0, nanoseconds(0)},
                                         {"above range clamps", 12, 7.0, seconds(30)}}) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(backoff.Delay(c.attempt, c.sample), c.want);
  }
}

TEST(ReconnectBackoffTest, DrawsStayInBoundsGrowAndResetAfterAHealthyStream) {
  ReconnectBackoff backoff(BackoffPolicy{}, /*seed=*/42);
  for (int failure = 1; failure <= 20; ++failure) {
    const nanoseconds delay = backoff.Next();
    EXPECT_EQ(backoff.failures(), failure);
    EXPECT_GE(delay, nanoseconds(0));
    EXPECT_LE(delay, backoff.Ceiling(failure));
  }
  backoff.Reset();
  EXPECT_LE(backoff.Next(), milliseconds(100));
  EXPECT_EQ(backoff.failures(), 1);
}

TEST(ReconnectBackoffTest, AFleetSpreadsOverTheWholeWindow) {
  // 1000 agents that lost svidd at once, each at its 6th attempt (ceiling 3.2 s): full
  // jitter spreads them evenly, instead of all at 3.2 s.
  constexpr int kAgents = 1000;
  std::vector<int> per_tenth(10, 0);
  for (int agent = 0; agent < kAgents; ++agent) {
    ReconnectBackoff backoff(BackoffPolicy{}, /*seed=*/agent);
    nanoseconds delay{};
    for (int i = 0; i < 6; ++i) delay = backoff.Next();
    ++per_tenth[std::min<int64_t>(9, delay * 10 / milliseconds(3200))];
  }
  for (int tenth = 0; tenth < 10; ++tenth) {
    SCOPED_TRACE(tenth);
    EXPECT_GT(per_tenth[tenth], kAgents / 10 / 2);
    EXPECT_LT(per_tenth[tenth], kAgents / 10 * 2);
  }
}

}  // namespace
}  // namespace svidd::agent
