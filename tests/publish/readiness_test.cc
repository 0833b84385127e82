#include "svidd/publish/readiness.h"

#include <gtest/gtest.h>

namespace svidd {
namespace {

TEST(ReadinessTest, ReadyWhenEveryReportedConditionHolds) {
  Readiness readiness;
  std::vector<bool> heard;
  readiness.SetListener([&](bool ready) { heard.push_back(ready); });
  EXPECT_FALSE(readiness.Ready()) << "nothing reported yet";
  readiness.Set("ca", true);
  EXPECT_TRUE(readiness.Ready());
  readiness.Set("ledger", false, "disk full");
  EXPECT_FALSE(readiness.Ready());
  readiness.Set("ledger", false, "still full");  // no change: no call
  readiness.Set("ledger", true);
  EXPECT_TRUE(readiness.Ready());
  EXPECT_EQ(heard, (std::vector<bool>{true, false, true}));
  EXPECT_EQ(readiness.Describe(), "ca: ok\nledger: ok\n");
}

TEST(LedgerWriteHealthTest, ConsecutiveFailuresTurnItFalseAndOneSuccessBack) {
  Readiness readiness;
  readiness.Set("ca", true);
  LedgerWriteHealth health(readiness, 3);
  health.Report(true);
  health.Report(false, "disk I/O error");
  health.Report(false, "disk I/O error");
  EXPECT_TRUE(readiness.Ready()) << "two failures are not yet three";
  health.Report(true);
  EXPECT_EQ(health.consecutive_failures(), 0);
  for (int i = 0; i < 3; ++i) health.Report(false, "database or disk is full");
  EXPECT_FALSE(readiness.Ready());
  EXPECT_EQ(readiness.Describe(),
            "ca: ok\nledger: not ready: 3 ledger writes in a row failed, the last: database or "
            "disk is full\n");
  health.Report(true);
  EXPECT_TRUE(readiness.Ready());
}

}  // namespace
}  // namespace svidd
