// A certificate's (or CRL's) useful life, and the one rule every renewal decision in svidd
// takes from it: renew, or prepare the successor, at half-life.
//
// The life counts from when the thing was issued, not from its NotBefore: svidd backdates
// NotBefore (2 minutes) against clock skew, so a 30-second certificate measured from NotBefore
// is past half-life at birth and would be renewed on every pass.
#pragma once

#include <chrono>
#include <optional>

#include "svidd/common/clock.h"

namespace svidd {

class Lifetime {
 public:
  // From `issued_at` when it is known, clamped to [not_before, not_after] (issued, or
  // received, after its NotAfter: no life left); from `not_before` when it is not (a
  // certificate made elsewhere, whose issuance svidd never saw).
  static Lifetime Of(TimePoint not_before, TimePoint not_after,
                     std::optional<TimePoint> issued_at = std::nullopt);

  TimePoint start() const { return start_; }
  TimePoint end() const { return end_; }
  // end - start; zero when end is not after start.
  std::chrono::nanoseconds length() const;
  // start + length / 2: when to renew (or prepare the next CA, or re-sign a CRL).
  TimePoint HalfLife() const { return start_ + length() / 2; }
  bool PastHalfLife(TimePoint now) const { return now >= HalfLife(); }
  // The instant when only `1/denominator` of the life is left: end - length / denominator.
  TimePoint WhenLeft(int denominator) const { return end_ - length() / denominator; }

 private:
  Lifetime(TimePoint start, TimePoint end) : start_(start), end_(end) {}
  TimePoint start_;
  TimePoint end_;
};

}  // namespace svidd
