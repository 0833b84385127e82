#include "svidd/agent/reconnect_backoff.h"

#include <algorithm>

#include "svidd/rotation/renewal_policy.h"

namespace svidd::agent {

ReconnectBackoff::ReconnectBackoff(BackoffPolicy policy, uint64_t seed)
    : policy_(policy), rng_(seed) {}

std::chrono::nanoseconds ReconnectBackoff::Ceiling(int attempt) const {
  return rotation::RetryBackoff(attempt, policy_.initial, policy_.max);
}

std::chrono::nanoseconds ReconnectBackoff::Delay(int attempt, double sample) const {
  const double clamped = std::clamp(sample, 0.0, 1.0);
  const auto ceiling = static_cast<double>(Ceiling(attempt).count());
  return std::chrono::nanoseconds(static_cast<int64_t>(ceiling * clamped));
}

std::chrono::nanoseconds ReconnectBackoff::Next() {
  // Past the cap the ceiling no longer grows; the count stops so it cannot overflow.
  constexpr int kMaxCounted = 1000;
  failures_ = std::min(failures_ + 1, kMaxCounted);
  return Delay(failures_, rotation::JitterSample(rng_));
}

}  // namespace svidd::agent
