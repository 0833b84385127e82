#include "svidd/common/lifetime.h"

#include <algorithm>

namespace svidd {

Lifetime Lifetime::Of(TimePoint not_before, TimePoint not_after,
                      std::optional<TimePoint> issued_at) {
  if (!issued_at.has_value() || *issued_at <= not_before || not_after <= not_before) {
    return Lifetime(not_before, not_after);
  }
  return Lifetime(std::min(*issued_at, not_after), not_after);
}

std::chrono::nanoseconds Lifetime::length() const {
  return std::max(std::chrono::nanoseconds::zero(),
                  std::chrono::duration_cast<std::chrono::nanoseconds>(end_ - start_));
}

}  // namespace svidd
