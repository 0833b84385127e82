// A token bucket of `per_second` tokens refilled at `per_second` per second, written as the
// generic cell rate algorithm: one "theoretical arrival time" instead of a fractional token
// count, so the arithmetic is exact in nanoseconds. Over any window of length w at most
// per_second + per_second * w acquisitions succeed; while work is queued it settles at
// per_second per second. Time only comes in through arguments. Not thread-safe; the
// scheduler guards it.
#pragma once

#include <chrono>
#include <optional>

#include "svidd/common/clock.h"

namespace svidd::rotation {

class RateLimiter {
 public:
  // per_second < 1 is treated as 1.
  explicit RateLimiter(int per_second);

  // Takes a token if one is available at `now`.
  bool TryAcquire(TimePoint now);
  // The earliest time at which TryAcquire can succeed (may be in the past).
  TimePoint NextAvailable() const;

 private:
  std::chrono::nanoseconds interval_;   // time to refill one token
  std::chrono::nanoseconds tolerance_;  // (burst - 1) * interval_
  std::optional<TimePoint> tat_;        // theoretical arrival time of the next token
};

}  // namespace svidd::rotation
