// Pure decisions of the renewal scheduler: when a certificate should be renewed and how long
// to wait before asking again. No state, no clock, no randomness of their own: the random
// draw is an argument, so every answer is reproducible.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

#include "svidd/common/clock.h"

namespace svidd::rotation {

// When to renew a certificate whose life runs over [start, not_after] (start:
// Lifetime::start(), its issuance time rather than its backdated NotBefore): at half-life
// (Lifetime::HalfLife), moved earlier by up to `jitter_fraction` of the lifetime so a fleet
// issued at one instant does not renew at one instant:
//   start + lifetime/2 - jitter_sample * jitter_fraction * lifetime
// `jitter_fraction` is clamped to [0, 0.5] and `jitter_sample` (nominally in [0, 1)) to
// [0, 1], so the answer lies in [start + lifetime/2 - jitter_fraction * lifetime,
// start + lifetime/2] and never before start. A certificate with no lifetime (not_after
// <= start) renews at start.
TimePoint RenewalTime(TimePoint start, TimePoint not_after, double jitter_fraction,
                      double jitter_sample);

// How long to wait, after an unanswered attempt has timed out, before attempt `attempt` + 1:
// initial, 2*initial, 4*initial, ... capped at `cap`. `attempt` counts from 1.
std::chrono::nanoseconds RetryBackoff(int attempt, std::chrono::nanoseconds initial,
                                      std::chrono::nanoseconds cap);

// A uniform draw in [0, 1) from the top 53 bits of one rng() call. Unlike
// std::uniform_real_distribution this is the same on every standard library, so a seeded
// rng gives the same renewal times everywhere.
double JitterSample(std::mt19937_64& rng);

}  // namespace svidd::rotation
