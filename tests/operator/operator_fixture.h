// A data directory holding a realistic fleet (support/fleet/test_fleet.h) at a fixed `now`,
// and an OperatorService over it, wired as svidctl wires its local look.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "support/fleet/test_data_dir.h"
#include "support/fleet/test_fleet.h"
#include "svidd/common/time_format.h"
#include "svidd/operator/operator_service.h"

namespace svidd::testing {

class OperatorFixture : public ::testing::Test {
 protected:
  static constexpr int64_t kNowUnix = 1'760'000'000;  // 2025-10-09T08:53:20Z

  void SetUp() override {
    auto dir = TestDataDir::Create(now() - std::chrono::hours(24 * 31));
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = std::move(*dir);
    auto fleet = BuildTestFleet(dir_->ledger(), dir_->authority(), now());
    ASSERT_TRUE(fleet.ok()) << fleet.status();
    fleet_ = std::move(*fleet);
    service_ = std::make_unique<ops::OperatorService>(dir_->ledger(), Options(), clock_);
  }

  ops::OperatorServiceOptions Options() {
    return ops::DataDirOperatorOptions(dir_->path(), dir_->ca_dir());
  }

  static TimePoint now() { return FromUnixSeconds(kNowUnix); }

  FakeClock clock_{now()};
  std::unique_ptr<TestDataDir> dir_;
  TestFleet fleet_;
  std::unique_ptr<ops::OperatorService> service_;
};

}  // namespace svidd::testing
