// When svidd's own CAs change, as pure functions of `now` (SPIRE's schedule): the next
// intermediate is prepared at half the current one's life and activated with a sixth of it
// left, both in one pass if svidd was down across both times. A root rotation publishes the
// new root first, switches signing to it only once the bundle has had time to reach every
// workload, and drops the old root only after everything under it has expired. The CA
// manager (src/server/ca_manager.h) asks these questions and carries out the answers.
#pragma once

#include <chrono>

#include "absl/status/status.h"
#include "svidd/common/clock.h"

namespace svidd::pki {

// `start`: where the CA's life counts from (Lifetime::Of: its issuance time when svidd made
// it, else its NotBefore, which is backdated).
TimePoint PrepareNextAt(TimePoint start, TimePoint not_after);   // half-life
TimePoint ActivateNextAt(TimePoint start, TimePoint not_after);  // a sixth left

struct IntermediateState {
  TimePoint start;  // Lifetime::start() of the signing intermediate
  TimePoint not_after;
  bool next_prepared = false;
};

struct IntermediatePlan {
  bool prepare = false;   // make the next intermediate (and publish it)
  bool activate = false;  // switch signing to the next intermediate
};

IntermediatePlan PlanIntermediate(const IntermediateState& state, TimePoint now);

enum class RootPhase {
  kSteady,     // one root signs; it may still be joined by retired ones
  kPublished,  // a new root is in the bundle; signing is still under the old one
  kSwitched,   // signing is under the new root; the old one stays in the bundle
};
const char* RootPhaseName(RootPhase phase);  // "steady" / "published" / "switched"

struct RootState {
  RootPhase phase = RootPhase::kSteady;
  TimePoint root_start;  // Lifetime::start() of the root signing now
  TimePoint root_not_after;
  bool rotation_requested = false;       // an operator asked (svidctl ca rotate-root)
  TimePoint published_at;                // kPublished: when the new root joined the bundle
  TimePoint old_root_dependents_expire;  // kSwitched: last NotAfter of anything under it
};

struct RootPlan {
  bool publish_new_root = false;
  bool switch_signing = false;
  bool drop_old_root = false;
};

// `propagation`: how long a new root must have been published before anything is signed
// under it (at least the longest leaf lifetime, so every workload has renewed once since).
RootPlan PlanRoot(const RootState& state, TimePoint now, std::chrono::seconds propagation);

// INVALID_ARGUMENT unless ca_ttl >= 6 * max_leaf_ttl (leaves are capped at the CA's NotAfter,
// and the next CA is activated with a sixth of the current one's life left) and the root
// outlives two intermediates.
absl::Status ValidateCaLifetimes(std::chrono::seconds ca_ttl, std::chrono::seconds root_ttl,
                                 std::chrono::seconds max_leaf_ttl);

}  // namespace svidd::pki
