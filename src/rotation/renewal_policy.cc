#include "svidd/rotation/renewal_policy.h"

#include <algorithm>

#include "svidd/common/lifetime.h"

namespace svidd::rotation {

using std::chrono::nanoseconds;

TimePoint RenewalTime(TimePoint start, TimePoint not_after, double jitter_fraction,
                      double jitter_sample) {
  const Lifetime life = Lifetime::Of(start, not_after);
  if (life.length() <= nanoseconds::zero()) return start;
  const nanoseconds lifetime = life.length();
  const TimePoint half_life = life.HalfLife();
  const double fraction = std::clamp(jitter_fraction, 0.0, 0.5);
  const double sample = std::clamp(jitter_sample, 0.0, 1.0);
  // Truncation towards zero keeps the jitter strictly below fraction * lifetime.
  const auto jitter =
      nanoseconds(static_cast<int64_t>(sample * fraction * static_cast<double>(lifetime.count())));
  const nanoseconds max_jitter = lifetime / 2;
  return std::max(start, half_life - std::min(jitter, max_jitter));
}

nanoseconds RetryBackoff(int attempt, nanoseconds initial, nanoseconds cap) {
  if (initial <= nanoseconds::zero()) return nanoseconds::zero();
  nanoseconds wait = initial;
  for (int i = 1; i < attempt && wait < cap; ++i) wait *= 2;
  return std::min(wait, cap);
}

double JitterSample(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

}  // namespace svidd::rotation
