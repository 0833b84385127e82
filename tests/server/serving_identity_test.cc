#include "server/serving_identity.h"

#include <gtest/gtest.h>

namespace svidd {
namespace {

TEST(ServingIdentityTest, RenewsOncePastHalfLife) {
  TimePoint nb = TimePoint(std::chrono::hours(1000));
  TimePoint na = nb + std::chrono::hours(24);
  EXPECT_FALSE(ServingIdentity::ShouldRenew(nb, nb, na));
  EXPECT_FALSE(ServingIdentity::ShouldRenew(nb + std::chrono::hours(11), nb, na));
  EXPECT_TRUE(ServingIdentity::ShouldRenew(nb + std::chrono::hours(12), nb, na));
  EXPECT_TRUE(ServingIdentity::ShouldRenew(na + std::chrono::hours(1), nb, na));
}

}  // namespace
}  // namespace svidd
