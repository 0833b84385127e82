#include "svidd/pki/ca_rotation_policy.h"

#include "svidd/common/lifetime.h"
#include "svidd/common/time_format.h"

namespace svidd::pki {

TimePoint PrepareNextAt(TimePoint start, TimePoint not_after) {
  return Lifetime::Of(start, not_after).HalfLife();
}

TimePoint ActivateNextAt(TimePoint start, TimePoint not_after) {
  return Lifetime::Of(start, not_after).WhenLeft(6);
}

IntermediatePlan PlanIntermediate(const IntermediateState& state, TimePoint now) {
  IntermediatePlan plan;
  plan.prepare = !state.next_prepared && now >= PrepareNextAt(state.start, state.not_after);
  // Same pass as the preparation if that came late (SPIRE #501: never let the current CA
  // expire waiting for the next tick).
  plan.activate =
      (state.next_prepared || plan.prepare) && now >= ActivateNextAt(state.start, state.not_after);
  return plan;
}

const char* RootPhaseName(RootPhase phase) {
  switch (phase) {
    case RootPhase::kSteady:
      return "steady";
    case RootPhase::kPublished:
      return "published";
    case RootPhase::kSwitched:
      return "switched";
  }
  return "unknown";
}

RootPlan PlanRoot(const RootState& state, TimePoint now, std::chrono::seconds propagation) {
  RootPlan plan;
  switch (state.phase) {
    case RootPhase::kSteady:
      plan.publish_new_root =
          state.rotation_requested || now >= PrepareNextAt(state.root_start, state.root_not_after);
      break;
    case RootPhase::kPublished:
      plan.switch_signing = now >= state.published_at + propagation;
      break;
    case RootPhase::kSwitched:
      plan.drop_old_root = now > state.old_root_dependents_expire;
      break;
  }
  return plan;
}

absl::Status ValidateCaLifetimes(std::chrono::seconds ca_ttl, std::chrono::seconds root_ttl,
                                 std::chrono::seconds max_leaf_ttl) {
  if (ca_ttl < 6 * max_leaf_ttl) {
    return absl::InvalidArgumentError(
        "--ca-ttl " + FormatDuration(ca_ttl) + " is less than 6 x --max-ttl (" +
        FormatDuration(6 * max_leaf_ttl) +
        "): leaves would be cut short by the CA's expiry, or the next CA activated too late");
  }
  if (root_ttl < 2 * ca_ttl) {
    return absl::InvalidArgumentError("--root-ttl " + FormatDuration(root_ttl) +
                                      " must be at least 2 x --ca-ttl (" +
                                      FormatDuration(2 * ca_ttl) + ")");
  }
  return absl::OkStatus();
}

}  // namespace svidd::pki
