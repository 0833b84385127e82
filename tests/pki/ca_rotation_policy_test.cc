// The CA rotation schedule as a table of moments in a CA's life, with a fake notion of now.
#include "svidd/pki/ca_rotation_policy.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace svidd::pki {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

const TimePoint kT0 = TimePoint(seconds(1'700'000'000));
const TimePoint kEnd = kT0 + hours(60);  // a 60h intermediate: prepare at 30h, activate at 50h

TEST(CaRotationPolicyTest, IntermediatePreparedAtHalfLifeActivatedWithASixthLeft) {
  EXPECT_EQ(PrepareNextAt(kT0, kEnd), kT0 + hours(30));
  EXPECT_EQ(ActivateNextAt(kT0, kEnd), kT0 + hours(50));
  struct Case {
    std::string name;
    TimePoint now;
    bool next_prepared;
    bool prepare;
    bool activate;
  };
  const std::vector<Case> cases = {
      {"young: nothing", kT0 + hours(1), false, false, false},
      {"just before half-life", kT0 + hours(30) - seconds(1), false, false, false},
      {"half-life: prepare", kT0 + hours(30), false, true, false},
      {"prepared, waiting", kT0 + hours(40), true, false, false},
      {"a sixth left: activate", kT0 + hours(50), true, false, true},
      {"down across both: prepare and activate in one pass", kT0 + hours(55), false, true, true},
      {"expired and nothing prepared: both at once", kEnd + hours(1), false, true, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    IntermediatePlan plan = PlanIntermediate({kT0, kEnd, c.next_prepared}, c.now);
    EXPECT_EQ(plan.prepare, c.prepare);
    EXPECT_EQ(plan.activate, c.activate);
  }
}

TEST(CaRotationPolicyTest, ActivationNeverPrecedesPreparation) {
  // Walk a whole life minute by minute; the first activation comes no earlier than the
  // first preparation, and the next CA is never activated unprepared.
  bool prepared = false;
  for (TimePoint now = kT0; now <= kEnd; now += std::chrono::minutes(1)) {
    IntermediatePlan plan = PlanIntermediate({kT0, kEnd, prepared}, now);
    if (plan.activate) {
      EXPECT_TRUE(prepared || plan.prepare);
      EXPECT_GE(now, ActivateNextAt(kT0, kEnd));
      return;
    }
    prepared = prepared || plan.prepare;
  }
  ADD_FAILURE() << "never activated";
}

TEST(CaRotationPolicyTest, RootRotationPhases) {
  const TimePoint root_end = kT0 + hours(24 * 3650);
  const seconds propagation = hours(24);
  struct Case {
    std::string name;
    RootState state;
    TimePoint now;
    RootPlan want;
  };
  RootState steady{RootPhase::kSteady, kT0, root_end};
  RootState requested = steady;
  requested.rotation_requested = true;
  RootState published{RootPhase::kPublished, kT0, root_end};
  published.published_at = kT0 + hours(10);
  RootState switched{RootPhase::kSwitched, kT0, root_end};
  switched.old_root_dependents_expire = kT0 + hours(100);
  const std::vector<Case> cases = {
      {"steady young root", steady, kT0 + hours(1), {}},
      {"operator asked", requested, kT0 + hours(1), {true, false, false}},
      {"root at half-life", steady, PrepareNextAt(kT0, root_end), {true, false, false}},
      {"published, bundle still travelling", published, kT0 + hours(33), {}},
      {"published long enough: switch", published, kT0 + hours(34), {false, true, false}},
      {"switched, dependents alive", switched, kT0 + hours(100), {}},
      {"switched, dependents expired: drop",
       switched,
       kT0 + hours(100) + seconds(1),
       {false, false, true}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RootPlan plan = PlanRoot(c.state, c.now, propagation);
    EXPECT_EQ(plan.publish_new_root, c.want.publish_new_root);
    EXPECT_EQ(plan.switch_signing, c.want.switch_signing);
    EXPECT_EQ(plan.drop_old_root, c.want.drop_old_root);
  }
}

TEST(CaRotationPolicyTest, LifetimesMustLeaveRoomForLeaves) {
  EXPECT_TRUE(ValidateCaLifetimes(hours(144), hours(24 * 3650), hours(24)).ok());
  absl::Status short_ca = ValidateCaLifetimes(hours(100), hours(24 * 3650), hours(24));
  EXPECT_EQ(short_ca.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(short_ca.message().find("6 x --max-ttl"), std::string::npos) << short_ca;
  EXPECT_FALSE(ValidateCaLifetimes(hours(144), hours(200), hours(24)).ok());
}

}  // namespace
}  // namespace svidd::pki
