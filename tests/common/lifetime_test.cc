#include "svidd/common/lifetime.h"

#include <gtest/gtest.h>

#include <vector>

namespace svidd {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

const TimePoint kIssued = TimePoint(std::chrono::hours(1000));
const TimePoint kNotBefore = kIssued - minutes(2);  // svidd's backdate
const TimePoint kNotAfter = kIssued + seconds(30);

TEST(LifetimeTest, CountsFromIssuanceClampedToTheValidity) {
  struct Case {
    const char* name;
    std::optional<TimePoint> issued_at;
    TimePoint want_start;
  };
  for (const Case& c : std::vector<Case>{
           {"unknown: NotBefore", std::nullopt, kNotBefore},
           {"issued: from then", kIssued, kIssued},
           {"before NotBefore", kNotBefore - seconds(1), kNotBefore},
           {"after NotAfter: nothing left", kNotAfter + seconds(5), kNotAfter},
       }) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(Lifetime::Of(kNotBefore, kNotAfter, c.issued_at).start(), c.want_start);
  }
}

// A 30 s certificate backdated 2 minutes is not past half-life at birth.
TEST(LifetimeTest, HalfLifeOfAShortBackdatedCertificate) {
  const Lifetime life = Lifetime::Of(kNotBefore, kNotAfter, kIssued);
  EXPECT_EQ(life.length(), seconds(30));
  EXPECT_EQ(life.HalfLife(), kIssued + seconds(15));
  EXPECT_FALSE(life.PastHalfLife(kIssued));
  EXPECT_FALSE(life.PastHalfLife(kIssued + seconds(14)));
  EXPECT_TRUE(life.PastHalfLife(kIssued + seconds(15)));
  EXPECT_EQ(life.WhenLeft(6), kNotAfter - seconds(5));
  EXPECT_TRUE(Lifetime::Of(kNotBefore, kNotAfter).PastHalfLife(kIssued));  // from NotBefore
}

TEST(LifetimeTest, NoLifeWhenNotAfterIsNotLater) {
  EXPECT_EQ(Lifetime::Of(kIssued, kIssued - seconds(1)).length(), std::chrono::nanoseconds(0));
}

}  // namespace
}  // namespace svidd
